package dev.flint.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Owns the tensors created while it is open on this thread, and closes them all when it closes,
 * except those {@link #keep kept}. Scopes nest; a kept tensor moves to the enclosing scope (or to no
 * scope, when this is the outermost), so it lives on until that one closes or the caller closes it. A
 * scope belongs to the thread that opened it: tensors made on other threads are not adopted, and
 * closing or keeping from another thread is an error.
 *
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *     Tensor loss = model.forward(x).crossEntropy(y);
 *     loss.backward();
 *     optimizer.step();          // parameters and their gradients live outside the scope
 * }                              // every intermediate tensor is freed here
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private Scope() {
    }

    /** Opens a scope on this thread; close it with try-with-resources. */
    public static Scope open() {
        Scope s = new Scope();
        STACK.get().push(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static Scope current() {
        Deque<Scope> stack = STACK.get();
        return stack.isEmpty() ? null : stack.peek();
    }

    // adopt and disown may come from another thread (a tensor closed there), hence the lock.
    synchronized void adopt(Tensor t) {
        owned.add(t);
        t.owner = this;
    }

    synchronized void disown(Tensor t) {
        owned.remove(t);
    }

    /**
     * Keeps {@code tensors} alive past this scope: each moves to the enclosing scope, or to no scope.
     * Returns the first, for chaining.
     */
    public Tensor keep(Tensor... tensors) {
        checkThread("keep");
        Scope parent = parent();
        for (Tensor t : tensors) {
            if (t.owner == this) {
                owned.remove(t);
                t.owner = null;
                if (parent != null) {
                    parent.adopt(t);
                }
            }
        }
        return tensors.length == 0 ? null : tensors[0];
    }

    private Scope parent() {
        boolean seen = false;
        for (Scope s : STACK.get()) {
            if (seen) {
                return s;
            }
            seen = s == this;
        }
        return null;
    }

    private void checkThread(String what) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Scope." + what + ": a Scope belongs to the thread that opened it ("
                    + thread.getName() + "), not " + Thread.currentThread().getName());
        }
    }

    /** Number of live tensors this scope owns. */
    public synchronized int ownedCount() {
        return owned.size();
    }

    /** Closes every tensor still owned. Closing twice is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkThread("close");
        closed = true;
        STACK.get().remove(this);
        List<Tensor> toClose;
        synchronized (this) {
            toClose = new ArrayList<>(owned);
            owned.clear();
        }
        for (Tensor t : toClose) {
            t.owner = null;
            t.close();
        }
    }
}

package dev.flint.testing;

import dev.flint.backend.Backend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Backend} that forwards every call to another one and counts them, so a test can assert how
 * often code waits for the device. A host sync is any call that makes the host wait for queued device
 * work: {@link Backend#download} (which {@code toFloatArray()}, {@code toIntArray()} and {@code item()}
 * go through) and {@link Backend#synchronize}.
 *
 * <pre>{@code
 * CountingBackend counting = CountingBackend.wrap(Backends.get("cpu"));
 * Tensor x = Tensor.on(counting.backend()).ones(Shape.of(3));
 * long before = counting.hostSyncs();
 * x.sum().item();
 * assertEquals(before + 1, counting.hostSyncs());
 * }</pre>
 *
 * <p>The wrapper is a distinct backend object: tensors made on it cannot be mixed with tensors made on
 * the wrapped backend directly (Flint checks backends by identity). With {@link #forbidHostSyncs} set,
 * a sync throws, so the failing test's stack trace shows the code that synced.
 */
public final class CountingBackend implements InvocationHandler {
    /** The calls that make the host wait for the device. */
    public static final Set<String> HOST_SYNCS = Set.of("download", "synchronize");

    private final Backend delegate;
    private final Backend proxy;
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private volatile boolean forbidden;

    private CountingBackend(Backend delegate) {
        this.delegate = delegate;
        this.proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                this);
    }

    /** A counting wrapper around {@code delegate}. */
    public static CountingBackend wrap(Backend delegate) {
        return new CountingBackend(delegate);
    }

    /** The counting backend to make tensors, models and loaders on. */
    public Backend backend() {
        return proxy;
    }

    /** Host syncs so far: calls of {@code download} and {@code synchronize}. */
    public long hostSyncs() {
        long n = 0;
        for (String name : HOST_SYNCS) {
            n += count(name);
        }
        return n;
    }

    /** Calls so far of the backend method {@code name} (all overloads together). */
    public long count(String name) {
        AtomicLong c = calls.get(name);
        return c == null ? 0 : c.get();
    }

    /** While {@code forbid} is true, a host sync throws {@link AssertionError} instead of running. */
    public void forbidHostSyncs(boolean forbid) {
        this.forbidden = forbid;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (method.getDeclaringClass() == Object.class) {
            // equals/hashCode/toString of the wrapper itself: identity, as for a real backend object.
            switch (name) {
                case "equals":
                    return self == args[0];
                case "hashCode":
                    return System.identityHashCode(self);
                default:
                    return "counting(" + delegate.name() + ")";
            }
        }
        if (forbidden && HOST_SYNCS.contains(name)) {
            throw new AssertionError("host sync '" + name + "' while syncs are forbidden");
        }
        calls.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

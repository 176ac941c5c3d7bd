package dev.flint.optim;

import dev.flint.backend.Storage;
import dev.flint.backend.DType;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates a fixed list of parameters from their gradients. Subclasses implement {@link #update} for
 * one parameter; state buffers are allocated lazily, on the parameter's backend, the first time a
 * parameter has a gradient, and freed by {@link #close()}.
 *
 * <pre>{@code
 * try (Optimizer opt = new Adam(model.parameters(), 1e-3f)) {
 *     opt.zeroGrad();
 *     loss.backward();
 *     opt.step();
 * }
 * }</pre>
 */
public abstract class Optimizer implements AutoCloseable {
    private final List<Tensor> params;
    private final Map<Tensor, Storage[]> state = new IdentityHashMap<>();
    private float lr;
    private boolean closed;

    /**
     * @param params the parameters to update, each once (a tensor listed twice would be updated twice
     *     per step); {@link dev.flint.nn.Module#parameters()} lists each once
     * @param lr the learning rate
     * @throws IllegalArgumentException when {@code params} is empty, holds a tensor twice, or holds one
     *     that is not a float32 tensor requiring a gradient
     */
    protected Optimizer(Collection<Tensor> params, float lr) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        }
        Map<Tensor, Integer> firstIndex = new IdentityHashMap<>();
        int index = 0;
        for (Tensor p : params) {
            Integer earlier = firstIndex.putIfAbsent(p, index);
            if (earlier != null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + index + " "
                        + p.shape() + " is the same tensor as parameter " + earlier + "; each step would update"
                        + " it twice. Pass each parameter once (Module.parameters() does)");
            }
            index++;
        }
        for (Tensor p : params) {
            if (p.dtype() != DType.FLOAT32 || !p.requiresGrad()) {
                throw new IllegalArgumentException(getClass().getSimpleName()
                        + ": parameters must be float32 tensors that require a gradient, got " + p.dtype() + " "
                        + p.shape() + (p.requiresGrad() ? "" : " without requiresGrad"));
            }
        }
        checkLr(lr);
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /**
     * One update of every parameter that has a gradient (parameters without one are skipped, as in
     * PyTorch).
     */
    public final void step() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + ": step() after close()");
        }
        // Check all before updating any, so a failed step changes nothing. A closed parameter has lost
        // its gradient, so without this check the step would silently skip it.
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p.isClosed()) {
                throw new IllegalStateException(getClass().getSimpleName() + ": parameter " + i + " of "
                        + params.size() + " " + p.shape() + " was closed (its module closed, or moved by"
                        + " Module.to(backend), which replaces the parameters); build the optimizer on the"
                        + " live parameters");
            }
        }
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            if (!g.shape().equals(p.shape())) {
                throw new IllegalStateException(getClass().getSimpleName() + ": gradient " + g.shape()
                        + " does not match its parameter " + p.shape());
            }
            boolean first = !state.containsKey(p);
            Storage[] s = state.computeIfAbsent(p, this::allocateState);
            update(p, g, s, first);
        }
    }

    /**
     * Updates one parameter in place.
     *
     * @param param the parameter (modified)
     * @param grad its gradient (not modified)
     * @param state this parameter's buffers from {@link #stateCount()} (modified), zeroed before the first step
     * @param firstStep whether this is the parameter's first update
     */
    protected abstract void update(Tensor param, Tensor grad, Storage[] state, boolean firstStep);

    /** Number of state buffers, each the size of the parameter, this optimizer keeps per parameter. */
    protected abstract int stateCount();

    private Storage[] allocateState(Tensor p) {
        Storage[] s = new Storage[stateCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = p.backend().allocate(DType.FLOAT32, p.size());
            p.backend().fill(s[i], 0, p.size(), 0f);
        }
        return s;
    }

    /** Clears the gradients of every parameter. */
    public final void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    /** The parameters this optimizer updates (unmodifiable). */
    public final List<Tensor> parameters() {
        return params;
    }

    /** The current learning rate. */
    public final float lr() {
        return lr;
    }

    /** Sets the learning rate (learning-rate schedules call this). */
    public final void setLr(float lr) {
        checkLr(lr);
        this.lr = lr;
    }

    /** Number of parameters that have state so far (those updated at least once). */
    public final int stateSize() {
        return state.size();
    }

    /** Frees the state buffers; the optimizer cannot step afterwards. Closing twice is harmless. */
    @Override
    public void close() {
        closed = true;
        List<Storage[]> all = new ArrayList<>(state.values());
        state.clear();
        for (Storage[] s : all) {
            for (Storage buf : s) {
                buf.release();
            }
        }
    }

    private void checkLr(float value) {
        if (!(value >= 0f) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be finite and >= 0, got "
                    + value);
        }
    }
}

package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Tensor;

/**
 * Batch normalization of features (N, C) or sequences (N, C, L), as PyTorch's {@code nn.BatchNorm1d}:
 * see {@link BatchNorm} for the statistics, the modes and the state.
 *
 * <pre>{@code
 * BatchNorm1d bn = new BatchNorm1d(64);
 * Tensor h = bn.forward(x);   // x (N, 64), training mode: batch statistics, running ones updated
 * bn.eval();
 * Tensor y = bn.forward(x);   // running statistics
 * }</pre>
 */
public class BatchNorm1d extends BatchNorm {

    /** {@code eps = 1e-5}, {@code momentum = 0.1}, on the default backend. */
    public BatchNorm1d(int features) {
        this(features, 1e-5f, 0.1f);
    }

    /** On the default backend. */
    public BatchNorm1d(int features, float eps, float momentum) {
        this(features, eps, momentum, Backends.defaultBackend());
    }

    /** With its parameters and buffers on {@code backend}. */
    public BatchNorm1d(int features, float eps, float momentum, Backend backend) {
        super(features, eps, momentum, backend);
    }

    @Override
    void checkInput(Tensor x) {
        if (x.rank() != 2 && x.rank() != 3) {
            throw new IllegalArgumentException("BatchNorm1d: expected an input (N, C) or (N, C, L), got shape "
                    + x.shape());
        }
    }
}

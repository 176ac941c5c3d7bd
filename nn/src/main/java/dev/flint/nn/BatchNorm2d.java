package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Tensor;

/**
 * Batch normalization of images (N, C, H, W), per channel over N, H and W, as PyTorch's
 * {@code nn.BatchNorm2d}: see {@link BatchNorm} for the statistics, the modes and the state.
 *
 * <pre>{@code
 * Module block = new Sequential(new Conv2d(1, 32, 3, 1, 1, rng), new BatchNorm2d(32), new ReLU());
 * Tensor h = block.forward(images);   // (N, 1, 28, 28) -> (N, 32, 28, 28)
 * }</pre>
 */
public class BatchNorm2d extends BatchNorm {

    /** {@code eps = 1e-5}, {@code momentum = 0.1}, on the default backend. */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5f, 0.1f);
    }

    /** On the default backend. */
    public BatchNorm2d(int channels, float eps, float momentum) {
        this(channels, eps, momentum, Backends.defaultBackend());
    }

    /** With its parameters and buffers on {@code backend}. */
    public BatchNorm2d(int channels, float eps, float momentum, Backend backend) {
        super(channels, eps, momentum, backend);
    }

    @Override
    void checkInput(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected an input (N, C, H, W), got shape " + x.shape());
        }
    }
}

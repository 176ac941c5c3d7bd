package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Max pooling over square windows, NCHW: {@code (N, C, H, W)} to {@code (N, C, H', W')} with
 * {@code H' = (H + 2 padding - kernel) / stride + 1}. No parameters.
 *
 * <pre>{@code
 * Tensor pooled = new MaxPool2d(2).forward(maps);   // (64, 6, 28, 28) -> (64, 6, 14, 14)
 * }</pre>
 */
public class MaxPool2d extends Pool2d {

    /** Window {@code kernel}, stride {@code kernel} (non-overlapping), no padding: PyTorch's default. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** Window {@code kernel}, the given stride and padding (padding at most half the kernel). */
    public MaxPool2d(int kernel, int stride, int padding) {
        super("MaxPool2d", kernel, stride, padding);
    }

    @Override
    Tensor pool(Tensor x) {
        return x.maxPool2d(kernel, kernel, stride, stride, padding, padding);
    }
}

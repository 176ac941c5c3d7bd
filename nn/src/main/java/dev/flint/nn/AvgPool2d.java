package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Average pooling over square windows, NCHW; padded cells count as zeros in the average (PyTorch's
 * {@code count_include_pad=True}). No parameters.
 *
 * <pre>{@code
 * Tensor pooled = new AvgPool2d(2).forward(maps);   // (64, 6, 28, 28) -> (64, 6, 14, 14)
 * }</pre>
 */
public class AvgPool2d extends Pool2d {

    /** Window {@code kernel}, stride {@code kernel}, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** Window {@code kernel}, the given stride and padding (padding at most half the kernel). */
    public AvgPool2d(int kernel, int stride, int padding) {
        super("AvgPool2d", kernel, stride, padding);
    }

    @Override
    Tensor pool(Tensor x) {
        return x.avgPool2d(kernel, kernel, stride, stride, padding, padding);
    }
}

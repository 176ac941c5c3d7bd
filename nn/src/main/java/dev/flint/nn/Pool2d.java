package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * What the two pooling layers share: square windows of {@code kernel} with a stride and padding,
 * NCHW input {@code (N, C, H, W)} to {@code (N, C, H', W')} with
 * {@code H' = (H + 2 padding - kernel) / stride + 1}, the argument checks and the description.
 * Subclasses name themselves and apply their pooling. No parameters.
 */
abstract class Pool2d extends Module {
    private final String name;
    final int kernel;
    final int stride;
    final int padding;

    Pool2d(String name, int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException(name + ": need kernel >= 1, stride >= 1 and 0 <= padding <= kernel/2, "
                    + "got kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.name = name;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** x (N, C, H, W) -> (N, C, H', W'). */
    @Override
    public final Tensor forward(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(name + ": input " + x.shape() + " should be (N, C, H, W)");
        }
        return pool(x);
    }

    /** Applies this layer's pooling to a checked 4-D input. */
    abstract Tensor pool(Tensor x);

    @Override
    protected String describe() {
        return name + "(kernel=" + kernel + ", stride=" + stride + ", padding=" + padding + ")";
    }
}

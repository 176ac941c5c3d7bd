package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Flattens every dimension from {@code startDim} on into one: {@code (N, C, H, W)} to
 * {@code (N, C*H*W)} with the default {@code startDim = 1}. A free view (storage is contiguous).
 *
 * <pre>{@code
 * Tensor rows = new Flatten().forward(maps);   // (64, 16, 5, 5) -> (64, 400)
 * }</pre>
 */
public class Flatten extends Module {
    private final int startDim;

    /** Keeps the batch dimension, flattens the rest. */
    public Flatten() {
        this(1);
    }

    /** Flattens from {@code startDim} (0 flattens everything into one dimension). */
    public Flatten(int startDim) {
        if (startDim < 0) {
            throw new IllegalArgumentException("Flatten: startDim must be >= 0, got " + startDim);
        }
        this.startDim = startDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() <= startDim) {
            throw new IllegalArgumentException("Flatten: input " + x.shape() + " has rank " + x.rank()
                    + ", needs more than startDim " + startDim);
        }
        return x.flatten(startDim);
    }

    @Override
    protected String describe() {
        return "Flatten(startDim=" + startDim + ")";
    }
}

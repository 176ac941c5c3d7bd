package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Elementwise {@code 1 / (1 + exp(-x))}, any shape. No parameters.
 *
 * <pre>{@code
 * Tensor h = new Sigmoid().forward(x);   // same shape as x
 * }</pre>
 */
public class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}

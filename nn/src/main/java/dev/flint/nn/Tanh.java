package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Elementwise {@code tanh(x)}, any shape. No parameters.
 *
 * <pre>{@code
 * Tensor h = new Tanh().forward(x);   // same shape as x
 * }</pre>
 */
public class Tanh extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}

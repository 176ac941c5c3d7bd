package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Elementwise {@code max(0, x)}, any shape. No parameters.
 *
 * <pre>{@code
 * Tensor h = new ReLU().forward(x);   // same shape as x
 * }</pre>
 */
public class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}

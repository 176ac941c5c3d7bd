package dev.flint.loss;

import dev.flint.tensor.Tensor;

/**
 * Mean squared error, {@code mean((output - target)^2)} over every element (PyTorch's
 * {@code MSELoss(reduction='mean')}). For regression; output and target have the same shape.
 *
 * <pre>{@code
 * Tensor l = new MseLoss().compute(predictions, targets);   // (N, k), (N, k) -> scalar
 * }</pre>
 */
public final class MseLoss implements Loss {
    @Override
    public Tensor compute(Tensor output, Tensor target) {
        if (!output.shape().equals(target.shape())) {
            throw new IllegalArgumentException("MseLoss: output " + output.shape() + " and target " + target.shape()
                    + " must have the same shape");
        }
        return output.mse(target);
    }

    @Override
    public String toString() {
        return "MseLoss";
    }
}

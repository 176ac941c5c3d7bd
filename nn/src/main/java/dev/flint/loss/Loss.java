package dev.flint.loss;

import dev.flint.tensor.Tensor;

/**
 * A loss: the model's output and the target to a scalar tensor, the mean over the batch.
 *
 * <pre>{@code
 * Loss loss = new CrossEntropyLoss();
 * Tensor l = loss.compute(model.forward(x), labels);   // scalar
 * l.backward();
 * }</pre>
 */
@FunctionalInterface
public interface Loss {
    /** The scalar loss of {@code output} against {@code target}; differentiable in {@code output}. */
    Tensor compute(Tensor output, Tensor target);
}

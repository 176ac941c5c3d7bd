package dev.flint.loss;

import dev.flint.tensor.Tensor;
import java.util.Collection;

/**
 * Penalty terms added to a loss to keep weights small, the remedy for overfitting the course shows:
 * <pre>
 *   l2 = lambda * sum_p sum(p^2)      (ridge; its gradient is 2 * lambda * p)
 *   l1 = lambda * sum_p sum(|p|)      (lasso; pushes weights to exactly zero)
 * </pre>
 * Usually applied to weights only, not biases. With SGD, an L2 term of {@code lambda} equals a weight
 * decay of {@code 2 * lambda}; with Adam it does not (that is what AdamW's decoupled decay is for).
 *
 * <pre>{@code
 * Tensor loss = ce.compute(logits, y).add(Regularization.l2(weights, 1e-4f));
 * loss.backward();
 * }</pre>
 */
public final class Regularization {
    private Regularization() {
    }

    /** {@code lambda * sum of squares} of every tensor in {@code params}; a differentiable scalar. */
    public static Tensor l2(Collection<Tensor> params, float lambda) {
        return penalty("l2", params, lambda, true);
    }

    /** {@code lambda * sum of absolute values} of every tensor in {@code params}; a differentiable scalar. */
    public static Tensor l1(Collection<Tensor> params, float lambda) {
        return penalty("l1", params, lambda, false);
    }

    private static Tensor penalty(String name, Collection<Tensor> params, float lambda, boolean squared) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("Regularization." + name + ": no parameters given");
        }
        if (!(lambda >= 0f)) {
            throw new IllegalArgumentException("Regularization." + name + ": lambda must be >= 0, got " + lambda);
        }
        Tensor total = null;
        for (Tensor p : params) {
            Tensor term = (squared ? p.square() : p.abs()).sum();
            total = total == null ? term : total.add(term);
        }
        return total.mul(lambda);
    }
}

package dev.flint.nn;

import dev.flint.tensor.Tensor;

/**
 * Softmax along one dimension: {@code exp(x_i) / sum_j exp(x_j)}, computed stably. Put it at the end of
 * a model for probabilities; train on the logits before it with
 * {@link dev.flint.loss.CrossEntropyLoss}, which fuses the softmax and is more accurate.
 *
 * <pre>{@code
 * Tensor probs = new Softmax(1).forward(logits);   // (N, C), rows sum to 1
 * }</pre>
 */
public class Softmax extends Module {
    private final int dim;

    /** Softmax along {@code dim} (negative counts from the end). */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(dim);
    }

    @Override
    protected String describe() {
        return "Softmax(dim=" + dim + ")";
    }
}

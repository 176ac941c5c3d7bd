package dev.flint.loss;

import dev.flint.tensor.Tensor;

/**
 * Softmax cross-entropy from logits: {@code mean_i (logsumexp(s_i) - s_i[y_i])} for logits
 * {@code s (N, C)} and int32 class labels {@code y (N)} (PyTorch's {@code CrossEntropyLoss}). The
 * softmax is fused into the loss, so feed it raw scores, not probabilities.
 *
 * <pre>{@code
 * Tensor l = new CrossEntropyLoss().compute(logits, labels);   // (N, 10), (N) int32 -> scalar
 * }</pre>
 */
public final class CrossEntropyLoss implements Loss {
    @Override
    public Tensor compute(Tensor logits, Tensor labels) {
        LossChecks.checkClassification("CrossEntropyLoss", logits, labels);
        return logits.crossEntropy(labels);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss";
    }
}

package dev.flint.loss;

import dev.flint.tensor.Tensor;

/**
 * The multiclass SVM (Weston-Watkins) hinge loss for scores {@code s (N, C)} and int32 labels
 * {@code y (N)}:
 * <pre>
 *   L = (1/N) * sum_i sum_{j != y_i} max(0, s_ij - s_i,y_i + margin)
 * </pre>
 * that is, the mean over the batch of the summed margin violations (the form of CS231n's linear SVM).
 * Note that PyTorch's {@code MultiMarginLoss} also divides by the number of classes C; this loss does
 * not.
 *
 * <pre>{@code
 * Tensor l = new MulticlassHingeLoss(1f).compute(scores, labels);   // (N, C), (N) -> scalar
 * }</pre>
 */
public final class MulticlassHingeLoss implements Loss {
    private final float margin;

    /** The loss with margin 1. */
    public MulticlassHingeLoss() {
        this(1f);
    }

    /** The loss with the given margin (> 0). */
    public MulticlassHingeLoss(float margin) {
        if (!(margin > 0f)) {
            throw new IllegalArgumentException("MulticlassHingeLoss: margin must be > 0, got " + margin);
        }
        this.margin = margin;
    }

    @Override
    public Tensor compute(Tensor scores, Tensor labels) {
        LossChecks.checkClassification("MulticlassHingeLoss", scores, labels);
        return scores.hinge(labels, margin);
    }

    /** The margin. */
    public float margin() {
        return margin;
    }

    @Override
    public String toString() {
        return "MulticlassHingeLoss(margin=" + margin + ")";
    }
}

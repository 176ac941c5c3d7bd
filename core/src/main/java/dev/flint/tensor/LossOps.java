package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;

/** Losses as ops: mean squared error, fused softmax cross-entropy, multiclass hinge. */
final class LossOps {
    private LossOps() {
    }

    static Tensor mse(Tensor prediction, Tensor target) {
        Checks.floats("mse", prediction, target);
        if (!prediction.shape().equals(target.shape())) {
            throw new IllegalArgumentException("mse: prediction " + prediction.shape() + " and target " + target.shape()
                    + " must have the same shape");
        }
        return prediction.sub(target).square().mean();
    }

    /**
     * Checks (N, C) scores against (N,) INT32 labels in [0, C). Labels whose range is known (uploaded
     * with {@code fromInts}, or sliced, gathered or reshaped from such labels) are checked on the host
     * without touching the device, so a training step does not wait here. Labels of unknown range
     * (computed on the device), and known ranges that fail, are downloaded once so that the error can
     * name the first bad label and its position.
     */
    private static void checkLabels(String op, Tensor scores, Tensor labels) {
        Checks.floats(op, scores);
        Checks.int32(op, "labels", labels);
        Checks.sameBackend(op, scores, labels);
        Checks.rank(op, "scores (N, C)", scores, 2);
        Checks.rank(op, "labels (N)", labels, 1);
        int n = scores.shape().dim(0);
        int c = scores.shape().dim(1);
        if (labels.shape().dim(0) != n) {
            throw new IllegalArgumentException(op + ": scores " + scores.shape() + " and labels " + labels.shape()
                    + " disagree on the batch size (" + n + " != " + labels.shape().dim(0) + ")");
        }
        if (n == 0 || c == 0) {
            throw new IllegalArgumentException(op + ": empty scores " + scores.shape());
        }
        if (KnownRange.within(labels, 0, c)) {
            return;
        }
        int[] v = labels.toIntArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= c) {
                throw new IllegalArgumentException(op + ": label " + v[i] + " at index " + i + " is out of range [0, "
                        + c + ")");
            }
        }
        // Checked once: later uses of these labels (another loss, the next epoch) need no download.
        KnownRange.fromHost(labels, v, v.length);
    }

    static Tensor crossEntropy(Tensor logits, Tensor labels) {
        checkLabels("crossEntropy", logits, labels);
        Backend be = logits.backend();
        int n = logits.shape().dim(0);
        int c = logits.shape().dim(1);
        Tensor probs = Tensor.empty(be, logits.shape(), DType.FLOAT32);
        Tensor losses = Tensor.empty(be, Shape.of(n), DType.FLOAT32);
        be.softmaxCrossEntropyForward(logits.storage(), labels.storage(), probs.storage(), losses.storage(), n, c);
        // d loss_i / d logits_i = softmax(logits_i) - onehot(y_i), scaled by the incoming per-row gradient
        Tensor perRow = Tensor.record(losses, "cross_entropy", Tensor.saves(labels), g -> {
            Tensor dx = Tensor.empty(be, logits.shape(), DType.FLOAT32);
            be.softmaxCrossEntropyBackward(probs.storage(), labels.storage(), g.storage(), dx.storage(), n, c);
            return new Tensor[] {dx, null};
        }, logits, labels);
        return perRow.mean();
    }

    static Tensor hinge(Tensor scores, Tensor labels, float margin) {
        checkLabels("hinge", scores, labels);
        if (!(margin >= 0f) || Float.isInfinite(margin)) {
            throw new IllegalArgumentException("hinge: margin must be a finite value >= 0, got " + margin);
        }
        Backend be = scores.backend();
        int n = scores.shape().dim(0);
        int c = scores.shape().dim(1);
        Tensor onehot = Tensor.empty(be, scores.shape(), DType.FLOAT32);
        be.oneHot(labels.storage(), onehot.storage(), n, c);
        // L = mean_i sum_{j != y_i} max(0, s_ij - s_iy + margin), composed so autograd derives it
        Tensor correct = scores.mul(onehot).sum(1, true);
        Tensor others = onehot.neg().add(1f);
        return scores.sub(correct).add(margin).relu().mul(others).sum(1, false).mean();
    }
}

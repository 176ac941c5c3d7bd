package dev.flint.loss;

import dev.flint.backend.DType;
import dev.flint.tensor.Tensor;

/** Checks the classification losses share, so their messages read alike. */
final class LossChecks {
    private LossChecks() {
    }

    /** Scores {@code (N, C)} and int32 labels {@code (N)}. */
    static void checkClassification(String loss, Tensor scores, Tensor labels) {
        if (scores.rank() != 2) {
            throw new IllegalArgumentException(loss + ": scores " + scores.shape() + " should be (N, classes)");
        }
        if (labels.dtype() != DType.INT32 || labels.rank() != 1 || labels.dim(0) != scores.dim(0)) {
            throw new IllegalArgumentException(loss + ": labels should be int32 [" + scores.dim(0) + "], got "
                    + labels.dtype() + " " + labels.shape());
        }
    }
}

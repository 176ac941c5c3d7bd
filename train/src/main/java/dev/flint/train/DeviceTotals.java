package dev.flint.train;

import dev.flint.autograd.GradMode;
import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;

/**
 * The running sums of a classifier's loss and correct predictions, kept on the device so that a
 * training step never waits for it: {@link #add} queues a few tiny ops, and {@link #read} downloads
 * both sums at once, the only host sync, at a logging point.
 *
 * <p>The device sums are float32 and cover one logging interval at most: {@link #read} moves them into
 * double sums on the host and zeroes them. A count of correct predictions is exact in float32 up to
 * 2^24 per interval.
 */
final class DeviceTotals implements AutoCloseable {
    private final Tensor lossSum;
    private final Tensor correct;
    private double hostLossSum;
    private long hostCorrect;
    private long samples;
    private long pendingSamples;

    DeviceTotals(Backend backend) {
        try (Scope scope = Scope.open()) {
            lossSum = scope.keep(Tensor.on(backend).zeros(Shape.scalar()));
            correct = scope.keep(Tensor.on(backend).zeros(Shape.scalar()));
        }
    }

    /**
     * Adds a batch: {@code meanLoss} (a scalar, the batch's mean loss), and the rows of
     * {@code scores (N, C)} whose highest score is at {@code labels (N)}.
     */
    void add(Tensor meanLoss, Tensor scores, Tensor labels) {
        int n = labels.dim(0);
        try (GradMode.Guard noGrad = GradMode.noGrad(); Scope scope = Scope.open()) {
            lossSum.copyFrom(lossSum.add(meanLoss.detach().mul((float) n)));
            // Predicted == label as a 0/1 mask: compared as floats (exact for class indices below 2^24).
            Tensor hits = scores.argmax(1).castTo(DType.FLOAT32).eq(labels.castTo(DType.FLOAT32)).sum();
            correct.copyFrom(correct.add(hits));
        }
        pendingSamples += n;
    }

    /** Downloads the device sums (one host sync), adds them to the host totals and zeroes them. */
    void read() {
        float[] both;
        try (Scope scope = Scope.open()) {
            both = Tensor.concat(List.of(lossSum.reshape(1), correct.reshape(1)), 0).toFloatArray();
        }
        hostLossSum += both[0];
        hostCorrect += Math.round(both[1]);
        samples += pendingSamples;
        pendingSamples = 0;
        lossSum.fill(0f);
        correct.fill(0f);
    }

    /** Mean loss per sample over everything read so far (NaN before the first sample). */
    double meanLoss() {
        return hostLossSum / samples;
    }

    /** Fraction of samples classified correctly over everything read so far. */
    double accuracy() {
        return (double) hostCorrect / samples;
    }

    /** Samples read so far. */
    long samples() {
        return samples;
    }

    @Override
    public void close() {
        lossSum.close();
        correct.close();
    }
}

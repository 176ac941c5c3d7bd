package dev.flint.train;

import dev.flint.autograd.GradMode;
import dev.flint.data.Batch;
import dev.flint.data.DataLoader;
import dev.flint.loss.Loss;
import dev.flint.nn.Module;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;

/**
 * Classification metrics: how many predictions are right, and a model's mean loss and accuracy over a
 * whole data set.
 *
 * <pre>{@code
 * Metrics.Evaluation test = Metrics.evaluate(model, testLoader, new CrossEntropyLoss());
 * System.out.printf("test accuracy %.2f%%%n", 100 * test.accuracy());
 * }</pre>
 */
public final class Metrics {
    private Metrics() {
    }

    /**
     * A model's performance on a data set.
     *
     * @param loss mean loss per sample
     * @param accuracy fraction of samples whose highest score is their label
     * @param samples number of samples seen
     */
    public record Evaluation(double loss, double accuracy, int samples) {
    }

    /**
     * Number of rows of {@code scores (N, C)} whose largest score is at the index {@code labels (N)}
     * names (the first maximum wins ties).
     */
    public static int correct(Tensor scores, Tensor labels) {
        if (scores.rank() != 2 || labels.rank() != 1 || labels.dim(0) != scores.dim(0)) {
            throw new IllegalArgumentException("Metrics.correct: scores " + scores.shape()
                    + " should be (N, classes) and labels " + labels.shape() + " (N)");
        }
        try (Tensor predicted = scores.argmax(1)) {
            int[] p = predicted.toIntArray();
            int[] y = labels.toIntArray();
            int n = 0;
            for (int i = 0; i < p.length; i++) {
                if (p[i] == y[i]) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Fraction of rows of {@code scores} that {@link #correct classify} their label correctly. */
    public static double accuracy(Tensor scores, Tensor labels) {
        return (double) correct(scores, labels) / scores.dim(0);
    }

    /**
     * Mean loss and accuracy of {@code model} over one pass of {@code data}, in evaluation mode (dropout
     * off) and without recording a graph. The model's mode is restored afterwards. The sums are kept on
     * the device and read once, at the end.
     */
    public static Evaluation evaluate(Module model, DataLoader data, Loss loss) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (GradMode.Guard noGrad = GradMode.noGrad(); DeviceTotals totals = new DeviceTotals(data.backend())) {
            for (Batch batch : data.epoch(0)) {
                try (batch; Scope scope = Scope.open()) {
                    Tensor out = model.forward(batch.features());
                    totals.add(loss.compute(out, batch.labels()), out, batch.labels());
                }
            }
            totals.read();
            return new Evaluation(totals.meanLoss(), totals.accuracy(), (int) totals.samples());
        } finally {
            model.train(wasTraining);
        }
    }
}

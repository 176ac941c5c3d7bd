package dev.flint.train;

/**
 * What one training epoch measured. Losses are means over the samples; accuracies are fractions in
 * {@code [0, 1]}. An epoch without validation has {@code NaN} validation loss and accuracy.
 *
 * <pre>{@code
 * EpochRecord r = new EpochRecord(1, 0.41, 0.88, 0.29, 0.92, 0.01, 3.2);
 * r.hasValidation();   // true
 * }</pre>
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss over the epoch
 * @param trainAccuracy fraction of training samples classified correctly
 * @param validationLoss mean validation loss after the epoch, or NaN
 * @param validationAccuracy fraction of validation samples classified correctly, or NaN
 * @param learningRate the learning rate used in the epoch
 * @param seconds wall-clock time of the epoch, validation included
 */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
                          double validationAccuracy, double learningRate, double seconds) {

    /** A record of an epoch without validation. */
    public static EpochRecord withoutValidation(int epoch, double trainLoss, double trainAccuracy,
                                                double learningRate, double seconds) {
        return new EpochRecord(epoch, trainLoss, trainAccuracy, Double.NaN, Double.NaN, learningRate, seconds);
    }

    /** Whether the epoch was validated (its validation loss is a number). */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }

    /** Training minus validation accuracy: large and positive when the model overfits. */
    public double generalizationGap() {
        return trainAccuracy - validationAccuracy;
    }
}

package dev.flint.train;

/**
 * Stops training when the validation loss has not improved for {@code patience} epochs. An epoch
 * improves when its loss is below the best so far by more than {@code minDelta} (Keras's and
 * PyTorch Lightning's rule). With {@code restoreBestWeights}, the {@link Trainer} puts back the
 * parameters of the best epoch when it stops or finishes.
 *
 * <pre>{@code
 * EarlyStopping stop = new EarlyStopping(3, 1e-4f, true);
 * TrainerConfig cfg = TrainerConfig.builder().epochs(50).earlyStopping(stop).build();
 * }</pre>
 *
 * <p>The object keeps the state of one run; {@link #reset()} clears it (the trainer does at the start
 * of each {@code fit}).
 */
public final class EarlyStopping {
    private final int patience;
    private final double minDelta;
    private final boolean restoreBestWeights;

    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch = -1;
    private int epochsWithoutImprovement;

    /**
     * @param patience epochs without improvement tolerated before stopping (>= 1)
     * @param minDelta how much lower than the best a loss must be to count as an improvement (>= 0)
     * @param restoreBestWeights whether the trainer restores the best epoch's parameters at the end
     */
    public EarlyStopping(int patience, double minDelta, boolean restoreBestWeights) {
        if (patience < 1 || !(minDelta >= 0)) {
            throw new IllegalArgumentException("EarlyStopping: need patience >= 1 and minDelta >= 0, got patience="
                    + patience + " minDelta=" + minDelta);
        }
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBestWeights = restoreBestWeights;
    }

    /**
     * Records the validation loss of {@code epoch}.
     *
     * @return whether training should stop now
     */
    public boolean update(int epoch, double validationLoss) {
        if (validationLoss < best - minDelta) {
            best = validationLoss;
            bestEpoch = epoch;
            epochsWithoutImprovement = 0;
            return false;
        }
        // A NaN loss never improves, so a diverged run stops after `patience` epochs.
        epochsWithoutImprovement++;
        return epochsWithoutImprovement >= patience;
    }

    /** Whether the last {@link #update} was a new best. */
    public boolean lastWasBest() {
        return epochsWithoutImprovement == 0 && bestEpoch >= 0;
    }

    /** Clears the state for a new run. */
    public void reset() {
        best = Double.POSITIVE_INFINITY;
        bestEpoch = -1;
        epochsWithoutImprovement = 0;
    }

    /** Epochs since the last improvement (what a checkpoint keeps, with the best loss and epoch). */
    int epochsWithoutImprovement() {
        return epochsWithoutImprovement;
    }

    /** Puts back the state a checkpoint kept, for a resumed run. */
    void restore(double bestLoss, int bestEpoch, int epochsWithoutImprovement) {
        this.best = bestLoss;
        this.bestEpoch = bestEpoch;
        this.epochsWithoutImprovement = epochsWithoutImprovement;
    }

    /** The best validation loss so far ({@code +Infinity} before the first update). */
    public double bestLoss() {
        return best;
    }

    /** The epoch of the best validation loss, or -1 before the first improvement. */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Epochs without improvement tolerated. */
    public int patience() {
        return patience;
    }

    /** The smallest decrease that counts as an improvement. */
    public double minDelta() {
        return minDelta;
    }

    /** Whether the trainer restores the best epoch's parameters at the end. */
    public boolean restoreBestWeights() {
        return restoreBestWeights;
    }

    @Override
    public String toString() {
        return "EarlyStopping(patience=" + patience + ", minDelta=" + minDelta + ", restoreBestWeights="
                + restoreBestWeights + ")";
    }
}

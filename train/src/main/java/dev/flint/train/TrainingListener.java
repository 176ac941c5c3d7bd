package dev.flint.train;

/**
 * Hears what a {@link Trainer} does, for progress bars, logging or live charts. Every method has an
 * empty default; implement the ones you need. Called on the training thread, so keep them quick.
 *
 * <pre>{@code
 * TrainingListener printer = new TrainingListener() {
 *     public void onEpochEnd(EpochRecord r) { System.out.println(r); }
 * };
 * }</pre>
 */
public interface TrainingListener {

    /** Training starts; at most {@code epochs} epochs of {@code batchesPerEpoch} batches follow. */
    default void onTrainStart(int epochs, int batchesPerEpoch) {
    }

    /** Epoch {@code epoch} (1-based) starts. */
    default void onEpochStart(int epoch) {
    }

    /**
     * A logging point: batch {@code batch} (1-based) of {@code epoch} finished; {@code loss} and
     * {@code accuracy} are the running means over the epoch so far. Called every
     * {@link TrainerConfig#logEvery()} batches and after the last batch of each epoch, since reading the
     * figures makes the host wait for the device.
     */
    default void onBatchEnd(int epoch, int batch, double loss, double accuracy) {
    }

    /**
     * The epoch finished and was validated; {@code record} is what the history keeps. When the trainer
     * writes checkpoints, this epoch's is already on disk.
     */
    default void onEpochEnd(EpochRecord record) {
    }

    /** Training ended, after {@code history.size()} epochs, for {@code reason} (such as "early stopping"). */
    default void onTrainEnd(History history, String reason) {
    }
}

package dev.flint.train;

import dev.flint.optim.LrScheduler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@link Trainer} trains: epochs, early stopping, penalty terms, gradient clipping, a learning-rate
 * schedule, and listeners. Immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * TrainerConfig cfg = TrainerConfig.builder()
 *         .epochs(20).l2(1e-4f).earlyStopping(new EarlyStopping(3, 0, true)).build();
 * }</pre>
 *
 * @param epochs the most epochs to train (early stopping may end sooner)
 * @param earlyStopping when to stop on validation loss, or null to train every epoch
 * @param l2 weight of the L2 penalty on the weights (parameters named {@code *weight}); 0 for none
 * @param l1 weight of the L1 penalty on the weights; 0 for none
 * @param gradClipNorm the largest global gradient norm allowed per step; 0 for no clipping
 * @param scheduler stepped once after each epoch, or null for a constant learning rate
 * @param listeners told of every logging point and epoch
 * @param logEvery batches between logging points: the running loss and accuracy are read from the device
 *     (the only time a training step waits for it) and the listeners hear them every {@code logEvery}
 *     batches and after the last batch of each epoch
 * @param checkpoint the file a {@link Checkpoint} is written to after every epoch, or null for none
 * @param checkpointMetadata the caller's strings stored in every checkpoint (keys must not start with
 *     {@code checkpoint.})
 */
public record TrainerConfig(int epochs, EarlyStopping earlyStopping, float l2, float l1, float gradClipNorm,
                            LrScheduler scheduler, List<TrainingListener> listeners, int logEvery, Path checkpoint,
                            Map<String, String> checkpointMetadata) {
    /** The default of {@link Builder#logEvery}: PyTorch Lightning's. */
    public static final int DEFAULT_LOG_EVERY = 50;

    public TrainerConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("TrainerConfig: epochs must be >= 1, got " + epochs);
        }
        if (!(l2 >= 0f) || !(l1 >= 0f) || !(gradClipNorm >= 0f)) {
            throw new IllegalArgumentException("TrainerConfig: l2, l1 and gradClipNorm must be >= 0, got l2=" + l2
                    + " l1=" + l1 + " gradClipNorm=" + gradClipNorm);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("TrainerConfig: logEvery must be >= 1 batch, got " + logEvery);
        }
        for (String key : checkpointMetadata.keySet()) {
            if (key.startsWith(Checkpoint.RESERVED_PREFIX)) {
                throw new IllegalArgumentException("TrainerConfig: checkpoint metadata key '" + key
                        + "' starts with '" + Checkpoint.RESERVED_PREFIX + "', which the trainer's own keys use");
            }
        }
        listeners = List.copyOf(listeners);
        checkpointMetadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checkpointMetadata));
    }

    /** A builder with 10 epochs and nothing else. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link TrainerConfig}. */
    public static final class Builder {
        private int epochs = 10;
        private EarlyStopping earlyStopping;
        private float l2;
        private float l1;
        private float gradClipNorm;
        private LrScheduler scheduler;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private int logEvery = DEFAULT_LOG_EVERY;
        private Path checkpoint;
        private Map<String, String> checkpointMetadata = Map.of();

        private Builder() {
        }

        /** The most epochs to train, at least 1 (default 10). */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Stop when the validation loss stops improving (default: never; needs validation data). */
        public Builder earlyStopping(EarlyStopping earlyStopping) {
            this.earlyStopping = earlyStopping;
            return this;
        }

        /** Adds {@code lambda * sum(w^2)} over the weights to each step's loss (default 0). */
        public Builder l2(float lambda) {
            this.l2 = lambda;
            return this;
        }

        /** Adds {@code lambda * sum(|w|)} over the weights to each step's loss (default 0). */
        public Builder l1(float lambda) {
            this.l1 = lambda;
            return this;
        }

        /** Clips the global gradient norm to {@code maxNorm} before each step (default 0: off). */
        public Builder gradClipNorm(float maxNorm) {
            this.gradClipNorm = maxNorm;
            return this;
        }

        /** Steps {@code scheduler} after each epoch (default: constant learning rate). */
        public Builder scheduler(LrScheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Adds a listener; listeners are called in the order added. */
        public Builder listener(TrainingListener listener) {
            listeners.add(listener);
            return this;
        }

        /**
         * Batches between logging points (default {@value TrainerConfig#DEFAULT_LOG_EVERY}). Between them a
         * training step never waits for the device; at each, the running loss and accuracy are read once
         * and the listeners' {@code onBatchEnd} runs. 1 logs every batch (a host sync per step).
         */
        public Builder logEvery(int batches) {
            this.logEvery = batches;
            return this;
        }

        /**
         * Writes a {@link Checkpoint} to {@code file} after every epoch whose training loss is finite
         * (default: none), with the caller's {@code metadata} strings; {@link Trainer#resume} continues from it.
         */
        public Builder checkpoint(Path file, Map<String, String> metadata) {
            this.checkpoint = file;
            this.checkpointMetadata = metadata;
            return this;
        }

        /** The configuration; throws {@link IllegalArgumentException} naming a value out of range. */
        public TrainerConfig build() {
            return new TrainerConfig(epochs, earlyStopping, l2, l1, gradClipNorm, scheduler, listeners, logEvery,
                    checkpoint, checkpointMetadata);
        }
    }
}

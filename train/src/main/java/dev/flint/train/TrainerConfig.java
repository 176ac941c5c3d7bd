package dev.flint.train;

import dev.flint.optim.LrScheduler;
import java.util.ArrayList;
import java.util.List;

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
 * @param listeners told of every batch and epoch
 */
public record TrainerConfig(int epochs, EarlyStopping earlyStopping, float l2, float l1, float gradClipNorm,
                            LrScheduler scheduler, List<TrainingListener> listeners) {

    public TrainerConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("TrainerConfig: epochs must be >= 1, got " + epochs);
        }
        if (!(l2 >= 0f) || !(l1 >= 0f) || !(gradClipNorm >= 0f)) {
            throw new IllegalArgumentException("TrainerConfig: l2, l1 and gradClipNorm must be >= 0, got l2=" + l2
                    + " l1=" + l1 + " gradClipNorm=" + gradClipNorm);
        }
        listeners = List.copyOf(listeners);
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

        /** The configuration; throws {@link IllegalArgumentException} naming a value out of range. */
        public TrainerConfig build() {
            return new TrainerConfig(epochs, earlyStopping, l2, l1, gradClipNorm, scheduler, listeners);
        }
    }
}

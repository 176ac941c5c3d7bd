package dev.flint.optim;

/**
 * Changes an optimizer's learning rate as epochs pass. Call {@link #step()} once at the end of each
 * epoch, after the optimizer's steps, as in PyTorch.
 *
 * <pre>{@code
 * LrScheduler schedule = new StepLR(optimizer, 10, 0.1f);
 * for (int epoch = 0; epoch < 30; epoch++) {
 *     trainOneEpoch();
 *     schedule.step();
 * }
 * }</pre>
 */
public abstract class LrScheduler {
    private final Optimizer optimizer;
    private float baseLr;
    private int epoch;

    protected LrScheduler(Optimizer optimizer) {
        this.optimizer = optimizer;
        this.baseLr = optimizer.lr();
    }

    /** Advances one epoch and sets the optimizer's learning rate for the next. */
    public final void step() {
        epoch++;
        optimizer.setLr(lrAt(epoch));
    }

    /**
     * Continues the schedule after {@code epochs} epochs (a run resumed from a checkpoint) from the base
     * rate {@code baseLr} it had: the count becomes {@code epochs} and the optimizer's rate
     * {@code lrAt(epochs)}, as after that many {@link #step()}s. Both come from {@link #epoch()} and
     * {@link #baseLr()} of the schedule that was saved.
     */
    public final void restore(int epochs, float baseLr) {
        if (epochs < 0 || !(baseLr >= 0f) || Float.isInfinite(baseLr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".restore: need epochs >= 0 and a finite "
                    + "baseLr >= 0, got epochs=" + epochs + " baseLr=" + baseLr);
        }
        this.baseLr = baseLr;
        epoch = epochs;
        optimizer.setLr(lrAt(epochs));
    }

    /** The learning rate for epoch {@code epoch} (0 is the first), from the closed form of the schedule. */
    public abstract float lrAt(int epoch);

    /** The learning rate the optimizer had when the schedule was made. */
    public final float baseLr() {
        return baseLr;
    }

    /** Epochs stepped so far. */
    public final int epoch() {
        return epoch;
    }
}

package dev.flint.optim;

/**
 * Linear warmup, then cosine decay to a floor: nanoGPT's {@code get_lr}, stepped once per iteration.
 * With {@code base} the optimizer's rate when the schedule is made, {@code w} the warmup steps and
 * {@code d} the step where decay ends:
 * <pre>
 *   lr(it) = base * (it + 1) / (w + 1)                                    for it &lt; w
 *   lr(it) = min + (base - min) * (1 + cos(pi * (it - w) / (d - w))) / 2     for w &lt;= it &lt;= d
 *   lr(it) = min                                                          for it &gt; d
 * </pre>
 * Making the schedule sets the optimizer's rate to {@code lr(0)}, so the first step already warms up
 * (nanoGPT sets {@code get_lr(it)} before iteration {@code it}); {@link #step()} after each optimizer step
 * sets the next iteration's rate.
 *
 * <pre>{@code
 * AdamW opt = new AdamW(groups, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.1f);
 * LrScheduler lr = new WarmupCosineLR(opt, 100, 2000, 1e-4f);   // nanoGPT's shakespeare_char, CPU
 * for (int it = 0; it < 2000; it++) { ...; opt.step(); lr.step(); }
 * }</pre>
 */
public final class WarmupCosineLR extends LrScheduler {
    private final int warmupSteps;
    private final int decaySteps;
    private final float minLr;

    /**
     * A schedule from {@code optimizer}'s current rate (the peak) down to {@code minLr}.
     *
     * @param warmupSteps iterations of linear warmup, >= 0
     * @param decaySteps the iteration at which the cosine reaches {@code minLr}, > {@code warmupSteps}
     * @param minLr the floor, in [0, peak]
     */
    public WarmupCosineLR(Optimizer optimizer, int warmupSteps, int decaySteps, float minLr) {
        super(optimizer);
        if (warmupSteps < 0 || decaySteps <= warmupSteps || !(minLr >= 0f) || minLr > baseLr()) {
            throw new IllegalArgumentException("WarmupCosineLR: need 0 <= warmupSteps < decaySteps and 0 <= minLr <= "
                    + "the optimizer's rate " + baseLr() + ", got warmupSteps=" + warmupSteps + " decaySteps="
                    + decaySteps + " minLr=" + minLr);
        }
        this.warmupSteps = warmupSteps;
        this.decaySteps = decaySteps;
        this.minLr = minLr;
        optimizer.setLr(lrAt(0));
    }

    @Override
    public float lrAt(int it) {
        double base = baseLr();
        if (it < warmupSteps) {
            return (float) (base * (it + 1) / (warmupSteps + 1));
        }
        if (it > decaySteps) {
            return minLr;
        }
        double ratio = (double) (it - warmupSteps) / (decaySteps - warmupSteps);
        double coeff = 0.5 * (1.0 + Math.cos(Math.PI * ratio));
        return (float) (minLr + coeff * (base - minLr));
    }

    @Override
    public String toString() {
        return "WarmupCosineLR(peak=" + baseLr() + ", warmup=" + warmupSteps + ", decayEnd=" + decaySteps + ", min="
                + minLr + ")";
    }
}

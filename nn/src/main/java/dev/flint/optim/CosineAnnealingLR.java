package dev.flint.optim;

/**
 * Cosine annealing from the base learning rate down to {@code etaMin} over {@code tMax} epochs
 * (the closed form of PyTorch's {@code CosineAnnealingLR}):
 * {@code lr(e) = etaMin + (baseLr - etaMin) * (1 + cos(pi * e / tMax)) / 2}, held at {@code etaMin}
 * after {@code tMax}.
 *
 * <pre>{@code
 * new CosineAnnealingLR(optimizer, 20, 0f);   // smoothly to zero over 20 epochs
 * }</pre>
 */
public final class CosineAnnealingLR extends LrScheduler {
    private final int tMax;
    private final float etaMin;

    /** Anneals {@code optimizer}'s current rate to {@code etaMin} over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, float etaMin) {
        super(optimizer);
        if (tMax < 1 || !(etaMin >= 0f)) {
            throw new IllegalArgumentException("CosineAnnealingLR: need tMax >= 1 and etaMin >= 0, got tMax=" + tMax
                    + " etaMin=" + etaMin);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
    }

    @Override
    public float lrAt(int epoch) {
        int e = Math.min(epoch, tMax);
        return (float) (etaMin + (baseLr() - etaMin) * (1 + Math.cos(Math.PI * e / tMax)) / 2);
    }
}

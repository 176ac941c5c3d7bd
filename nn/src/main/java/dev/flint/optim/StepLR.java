package dev.flint.optim;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs (PyTorch's {@code StepLR}):
 * {@code lr(e) = baseLr * gamma^floor(e / stepSize)}.
 *
 * <pre>{@code
 * new StepLR(optimizer, 10, 0.1f);   // 0.1 for epochs 0-9, 0.01 for 10-19, ...
 * }</pre>
 */
public final class StepLR extends LrScheduler {
    private final int stepSize;
    private final float gamma;

    /** Multiplies {@code optimizer}'s current rate by {@code gamma} every {@code stepSize} epochs. */
    public StepLR(Optimizer optimizer, int stepSize, float gamma) {
        super(optimizer);
        if (stepSize < 1 || !(gamma > 0f)) {
            throw new IllegalArgumentException("StepLR: need stepSize >= 1 and gamma > 0, got stepSize=" + stepSize
                    + " gamma=" + gamma);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    @Override
    public float lrAt(int epoch) {
        return (float) (baseLr() * Math.pow(gamma, epoch / stepSize));
    }
}

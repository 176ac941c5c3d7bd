package dev.flint.cpu.kernel;

import dev.flint.backend.Activation;
import dev.flint.cpu.parallel.Parallel;

/**
 * Pointwise activations and their gradients. Backward uses the forward output where that is cheaper
 * (sigmoid, tanh) and the input where the output loses information (ReLU's sign at 0). Sigmoid and tanh
 * use {@link FloatMath}'s float exp and tanh; the ReLU family has no data-dependent branch
 * ({@link FloatOrder}), since the sign of an activation is a coin flip for a branch predictor.
 *
 * <pre>{@code
 * Activations.forward(Activation.RELU, 0f, x, y, n);
 * Activations.backward(Activation.RELU, 0f, x, y, dy, dx, n);
 * }</pre>
 */
public final class Activations {
    private Activations() {
    }

    /** {@code y = act(x)}; {@code y} may be {@code x}. */
    public static void forward(Activation act, float alpha, float[] x, float[] y, int n) {
        boolean cheap = act == Activation.RELU || act == Activation.LEAKY_RELU;
        int grain = cheap ? Elementwise.GRAIN : Elementwise.GRAIN_HEAVY;
        Parallel.forRange(0, n, grain, (from, to) -> {
            switch (act) {
                case RELU -> {
                    for (int i = from; i < to; i++) {
                        y[i] = Math.max(x[i], 0f);
                    }
                }
                case LEAKY_RELU -> {
                    // max(v, 0) + alpha * min(v, 0) is exactly the two-sided definition and has no branch
                    // to mispredict on random signs (one of the two terms is always 0).
                    for (int i = from; i < to; i++) {
                        float v = x[i];
                        y[i] = Math.max(v, 0f) + alpha * Math.min(v, 0f);
                    }
                }
                case SIGMOID -> FloatMath.sigmoid(x, y, from, to);
                case TANH -> FloatMath.tanh(x, y, from, to);
                default -> throw new IllegalArgumentException("activation: unknown " + act);
            }
        });
    }

    /** {@code dx = dy * act'(x)}, from the forward input {@code x} or output {@code y}. */
    public static void backward(Activation act, float alpha, float[] x, float[] y, float[] dy, float[] dx, int n) {
        Parallel.forRange(0, n, Elementwise.GRAIN, (from, to) -> {
            switch (act) {
                case RELU -> {
                    for (int i = from; i < to; i++) {
                        dx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & FloatOrder.positive(x[i]));
                    }
                }
                case LEAKY_RELU -> {
                    for (int i = from; i < to; i++) {
                        int mask = FloatOrder.positive(x[i]);
                        float g = dy[i];
                        dx[i] = Float.intBitsToFloat((Float.floatToRawIntBits(g) & mask)
                                | (Float.floatToRawIntBits(alpha * g) & ~mask));
                    }
                }
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        float s = y[i];
                        dx[i] = dy[i] * s * (1f - s);
                    }
                }
                case TANH -> {
                    for (int i = from; i < to; i++) {
                        float t = y[i];
                        dx[i] = dy[i] * (1f - t * t);
                    }
                }
                default -> throw new IllegalArgumentException("activation: unknown " + act);
            }
        });
    }
}

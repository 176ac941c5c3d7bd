package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.Activation;
import org.junit.jupiter.api.Test;

class ActivationsTest {
    private static final float[] X = {-3f, -0.5f, -0f, 0f, Float.MIN_VALUE, 0.5f, 3f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};

    @Test
    void forwardAndBackwardMatchTheirDefinitions() {
        float alpha = 0.1f;
        float[] dy = new float[X.length];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = 1.5f + i;
        }
        for (Activation act : Activation.values()) {
            float[] y = new float[X.length];
            float[] dx = new float[X.length];
            Activations.forward(act, alpha, X, y, X.length);
            Activations.backward(act, alpha, X, y, dy, dx, X.length);
            for (int i = 0; i < X.length; i++) {
                float x = X[i];
                float expectY = switch (act) {
                    case RELU -> Float.isNaN(x) ? x : Math.max(0f, x);
                    case LEAKY_RELU -> x > 0 ? x : alpha * x;
                    case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
                    case TANH -> (float) Math.tanh(x);
                };
                float expectDx = switch (act) {
                    case RELU -> x > 0 ? dy[i] : 0f;
                    case LEAKY_RELU -> x > 0 ? dy[i] : alpha * dy[i];
                    case SIGMOID -> dy[i] * expectY * (1 - expectY);
                    case TANH -> dy[i] * (1 - expectY * expectY);
                };
                // signed zeros compare equal here: 0 == -0 for the purposes of an activation
                // sigmoid uses the float exp (within 1 ulp) and float arithmetic: allow 2 ulp
                float tolerance = act == Activation.SIGMOID && Float.isFinite(expectY) ? 2 * Math.ulp(expectY) : 0f;
                assertEquals(expectY == 0 ? 0f : expectY, y[i] == 0 ? 0f : y[i], tolerance, act + " forward at " + x);
                float dxTolerance = act == Activation.SIGMOID && Float.isFinite(expectDx) ? 8 * Math.ulp(expectDx) : 0f;
                assertEquals(expectDx == 0 ? 0f : expectDx, dx[i] == 0 ? 0f : dx[i], dxTolerance,
                        act + " backward at " + x);
            }
        }
    }
}

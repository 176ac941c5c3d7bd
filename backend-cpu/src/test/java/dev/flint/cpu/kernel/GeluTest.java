package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The exact GELU's vector path against the float64 definition ({@code x Phi(x)} with Phi from a
 * double erfc series), and against the scalar path; special values keep their meaning.
 */
class GeluTest {

    /** erfc in double by its continued fraction / series, accurate to ~1e-15 (the float64 reference). */
    private static double erfc(double z) {
        if (z < 0) {
            return 2 - erfc(-z);
        }
        if (z < 2) {
            // erf by its Taylor series
            double sum = 0;
            double term = z;
            for (int n = 0; n < 60; n++) {
                sum += term / (2 * n + 1);
                term *= -z * z / (n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        // The continued fraction erfc(z) = e^{-z^2} / sqrt(pi) / (z + (1/2) / (z + (2/2) / (z + (3/2) / ...))).
        double f = 0;
        for (int k = 80; k >= 1; k--) {
            f = k / 2.0 / (z + f);
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
    }

    private static double gelu(double x) {
        return x * 0.5 * erfc(-x / Math.sqrt(2));
    }

    private static double geluGrad(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2)) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    }

    private static float[] grid() {
        int n = 40_001;
        float[] xs = new float[n + 9];
        for (int i = 0; i < n; i++) {
            xs[i] = -12f + 24f * i / (n - 1);
        }
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 30f, -30f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN};
        System.arraycopy(special, 0, xs, n, special.length);
        return xs;
    }

    @Test
    void vectorForwardAndBackwardMatchFloat64WithRelativeAccuracyInTheTails() {
        assertTrue(FloatMath.VECTOR, "the tests run with --add-modules jdk.incubator.vector; the vector path is off");
        float[] xs = grid();
        float[] y = new float[xs.length];
        float[] dy = new float[xs.length];
        java.util.Arrays.fill(dy, 1f);
        float[] dx = new float[xs.length];
        VectorGelu.forward(xs, y, 0, xs.length);
        VectorGelu.backward(xs, dy, dx, 0, xs.length);
        for (int i = 0; i < xs.length - 5; i++) {
            double x = xs[i];
            double ref = gelu(x);
            // Relative to the value (its tail ~ x phi(x) is tiny but must not lose its digits) plus a float's
            // rounding near zero.
            assertEquals(ref, y[i], 2e-6 * Math.abs(ref) + 1e-7 * Math.abs(x) + 1e-37, "gelu(" + x + ")");
            double g = geluGrad(x);
            assertEquals(g, dx[i], 2e-6 * Math.abs(g) + 5e-7 * Math.max(1, Math.abs(x) * Math.abs(x)) * Math.exp(
                    -x * x / 2) + 1e-7, "gelu'(" + x + ")");
        }
        int n = xs.length;
        assertEquals(30f, y[n - 5]);
        assertEquals(0f, Math.abs(y[n - 4]));               // -30 Phi(-30) underflows to -0
        assertEquals(Float.POSITIVE_INFINITY, y[n - 3]);
        assertTrue(Float.isNaN(y[n - 1]));
        assertEquals(1f, dx[n - 5]);
        assertEquals(0f, dx[n - 4]);
        assertTrue(Float.isNaN(dx[n - 1]));
    }

    @Test
    void vectorAndScalarPathsAgree() {
        float[] xs = grid();
        float[] yv = new float[xs.length];
        VectorGelu.forward(xs, yv, 0, xs.length);
        for (int i = 0; i < xs.length; i++) {
            float scalar = 0.5f * xs[i] * (1f + FloatMath.erf(xs[i] * Gelu.INV_SQRT_2));
            if (Float.isNaN(scalar)) {
                assertTrue(Float.isNaN(yv[i]));
            } else {
                assertEquals(scalar, yv[i], 1e-6f * (1 + Math.abs(scalar)), "x = " + xs[i]);
            }
        }
    }

    @Test
    void rangesAndTailsBeyondTheVectorLength() {
        float[] xs = {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f, 2f};   // shorter than most vectors: the scalar tail
        float[] y = new float[xs.length];
        VectorGelu.forward(xs, y, 1, 6);
        assertEquals(0f, y[0]);
        assertEquals(0f, y[6]);
        assertEquals(gelu(1.5), y[5], 1e-6);
        assertEquals(gelu(-0.5), y[1], 1e-6);
    }
}

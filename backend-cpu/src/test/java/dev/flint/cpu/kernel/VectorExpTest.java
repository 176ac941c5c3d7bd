package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Vector API exp against {@link Math#exp}, and the row helpers against their scalar definitions. */
class VectorExpTest {

    private static double ulpError(float got, double exact) {
        float rounded = (float) exact;
        if (Float.isInfinite(rounded) || Float.isNaN(rounded)) {
            return Float.compare(got, rounded) == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        double ulp = Math.abs(rounded) < Float.MIN_NORMAL ? Float.MIN_VALUE : Math.ulp(rounded);
        return Math.abs(got - exact) / ulp;
    }

    /** Every {@code stride}-th float from {@code from} up to {@code to}, of one sign. */
    private static float[] sweep(float from, float to, int stride) {
        int a = Float.floatToRawIntBits(from);
        int b = Float.floatToRawIntBits(to);
        int lo = Math.min(a, b);
        int hi = Math.max(a, b);
        float[] xs = new float[(int) (((long) hi - lo) / stride + 1)];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Float.intBitsToFloat(lo + i * stride);
        }
        return xs;
    }

    private static void assertWithin(float[] xs, float[] ys, double limit) {
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < xs.length; i++) {
            double e = ulpError(ys[i], Math.exp(xs[i]));
            if (e > worst) {
                worst = e;
                worstAt = xs[i];
            }
        }
        assertTrue(worst <= limit, "exp worst error " + worst + " ulp at x = " + worstAt + ", expected <= " + limit);
    }

    @Test
    void vectorExpWithinTwoUlpAcrossTheWholeRange() {
        assertTrue(FloatMath.VECTOR, "the tests run with --add-modules jdk.incubator.vector; the vector path is off");
        for (float[] xs : new float[][] {sweep(0f, 89f, 97), sweep(-0f, -104f, 97)}) {
            float[] ys = new float[xs.length];
            VectorExp.exp(xs, ys, 0, xs.length);
            assertWithin(xs, ys, 2.0);
        }
    }

    @Test
    void vectorTanhWithinTwoUlpAndKeepsSpecialValues() {
        for (float[] xs : new float[][] {sweep(0f, 20f, 97), sweep(-0f, -20f, 97), sweep(0.6f, 0.65f, 3),
            {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, 0.625f, -0.625f, 0.62499994f,
                100f, -100f, Float.MIN_VALUE, -Float.MIN_VALUE, 9f, -9.1f, 0.5f, -0.5f}}) {
            float[] ys = new float[xs.length];
            VectorExp.tanh(xs, ys, 0, xs.length);
            double worst = 0;
            float worstAt = 0;
            for (int i = 0; i < xs.length; i++) {
                float x = xs[i];
                double exact = Math.tanh(x);
                if (Float.isNaN(x)) {
                    assertTrue(Float.isNaN(ys[i]), "tanh(NaN) = " + ys[i]);
                    continue;
                }
                assertEquals(Float.floatToRawIntBits(x) < 0, Float.floatToRawIntBits(ys[i]) < 0,
                        "sign of tanh(" + x + ") = " + ys[i]);
                double e = ulpError(ys[i], exact);
                if (e > worst) {
                    worst = e;
                    worstAt = x;
                }
            }
            assertTrue(worst <= 2.0, "tanh worst error " + worst + " ulp at x = " + worstAt + ", expected <= 2");
        }
    }

    @Test
    void specialValuesMatchTheScalarExp() {
        float[] xs = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, 88.72283f,
            88.722839f, 88.7229f, -87.33655f, -103.9f, -103.972f, -103.97208f, -104f, -200f, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 100f, -100f, 0.5f * 0.6931472f, -0.3465736f};
        // pad to whole vectors of every width, then check each lane against the scalar special cases
        float[] padded = new float[64];
        System.arraycopy(xs, 0, padded, 0, xs.length);
        float[] ys = new float[padded.length];
        VectorExp.exp(padded, ys, 0, padded.length);
        for (int i = 0; i < xs.length; i++) {
            float x = xs[i];
            if (Float.isNaN(x) || Float.isInfinite(FloatMath.exp(x)) || FloatMath.exp(x) == 0f) {
                assertEquals(FloatMath.exp(x), ys[i], "exp(" + x + ")");
            } else {
                assertTrue(ulpError(ys[i], Math.exp(x)) <= 2.0, "exp(" + x + ") = " + ys[i] + ", Math.exp "
                        + Math.exp(x));
            }
        }
    }

    @Test
    void vectorPathNeedsTheModuleAndNoOptOut() {
        assertTrue(FloatMath.vectorUsable(null, true), "module present, no property");
        assertTrue(FloatMath.vectorUsable("true", true), "module present, property true");
        assertTrue(!FloatMath.vectorUsable(" FALSE ", true), "property false wins over the module");
        assertTrue(!FloatMath.vectorUsable(null, false), "no module, no vector path");
    }

    @Test
    void inPlaceLogSoftmaxAndSoftmaxMatchOutOfPlace() {
        Random rnd = new Random(3);
        int rows = 3;
        int cols = 100;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 5);
        }
        for (boolean log : new boolean[] {false, true}) {
            float[] y = new float[x.length];
            Softmax.forward(log, x, y, rows, cols);
            float[] inPlace = x.clone();
            Softmax.forward(log, inPlace, inPlace, rows, cols);
            for (int i = 0; i < x.length; i++) {
                assertEquals(y[i], inPlace[i], (log ? "log-softmax" : "softmax") + " in place at " + i);
            }
        }
    }

    @Test
    void logSoftmaxBackwardMatchesItsFormulaAlsoInPlace() {
        Random rnd = new Random(5);
        int rows = 2;
        int cols = 2500;   // more than one exp block per row
        float[] x = new float[rows * cols];
        float[] dy = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3);
            dy[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[x.length];
        Softmax.forward(true, x, y, rows, cols);
        float[] dx = new float[x.length];
        Softmax.backward(true, y, dy, dx, rows, cols);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += dy[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double want = dy[i] - Math.exp(y[i]) * (float) sum;
                assertEquals(want, dx[i], 1e-5 * (1 + Math.abs(sum)), "dx at " + i);
            }
        }
        float[] aliased = dy.clone();
        Softmax.backward(true, y, aliased, aliased, rows, cols);
        for (int i = 0; i < x.length; i++) {
            assertEquals(dx[i], aliased[i], "dx written over dy at " + i);
        }
    }

    @Test
    void rowHelpersMatchScalarLoops() {
        Random rnd = new Random(7);
        // offsets on either side of the index the vector loops align to (12 mod 16), so that heads
        // of every length up to a vector run
        for (int off : new int[] {0, 5, 12, 13}) {
            for (int n : new int[] {1, 3, 15, 16, 17, 63, 300, 1000}) {
                float[] x = new float[n + off];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (rnd.nextGaussian() * 30);
                }
                float max = x[off];
                for (int i = 1; i < n; i++) {
                    max = Math.max(max, x[off + i]);
                }
                assertEquals(max, FloatMath.max(x, off, n), "max of " + n + " at offset " + off);
                float[] y = new float[n + off];
                double sum = FloatMath.expShiftSum(x, off, y, off, n, max);
                double exactSum = 0;
                for (int i = 0; i < n; i++) {
                    double e = Math.exp(x[off + i] - max);   // the float difference, as the kernel rounds it
                    exactSum += e;
                    assertTrue(ulpError(y[off + i], e) <= 2.0, "exp(" + (x[off + i] - max) + ") = " + y[off + i]);
                }
                assertEquals(exactSum, sum, 1e-6 * exactSum, "sum of " + n);
                assertEquals(sum, FloatMath.expShiftSum(x, off, null, off, n, max), "sum without storing, n = " + n + ", offset " + off);
                float[] z = y.clone();
                FloatMath.scale(z, off, n, 0.5f);
                for (int i = 0; i < n; i++) {
                    assertEquals(y[off + i] * 0.5f, z[off + i], "scale at " + i);
                }
            }
        }
        float[] withNaN = {1f, 2f, Float.NaN, 3f, 1f, 2f, 0f, 3f, 1f, 2f, 0f, 3f, 1f, 2f, 0f, 3f, 1f, 2f, 0f, 3f};
        assertTrue(Float.isNaN(FloatMath.max(withNaN, 0, withNaN.length)), "a NaN makes the row max NaN");
    }

    @Test
    void dotAndSoftmaxGradientsMatchTheirDefinitions() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 7, 16, 63, 64, 65, 257, 1000, 4096}) {
            int off = 3;
            float[] y = new float[n + off];
            float[] dy = new float[n + off];
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) rnd.nextGaussian();
                dy[i] = (float) rnd.nextGaussian();
            }
            double dot = 0;
            double sum = 0;
            double scale = 0;
            for (int i = off; i < off + n; i++) {
                dot += (double) y[i] * dy[i];
                sum += dy[i];
                scale += Math.abs((double) y[i] * dy[i]) + Math.abs(dy[i]);
            }
            // float partial sums: within a few float roundings of the whole row's magnitude
            assertEquals(dot, FloatMath.dot(y, dy, off, n), 1e-6 * scale, "dot, n = " + n);
            assertEquals(sum, FloatMath.dot(dy, null, off, n), 1e-6 * scale, "sum, n = " + n);
            float s = (float) dot;
            float[] dx = new float[n + off];
            FloatMath.softmaxGrad(y, dy, dx, off, n, s);
            float[] logDx = new float[n + off];
            FloatMath.logSoftmaxGrad(y, dy, logDx, off, n, s);
            for (int i = off; i < off + n; i++) {
                assertEquals(y[i] * (dy[i] - s), dx[i], "softmax gradient at " + i);
                double want = dy[i] - Math.exp(y[i]) * s;
                assertEquals(want, logDx[i], 4e-7 * (Math.abs(dy[i]) + Math.exp(y[i]) * Math.abs(s)),
                        "log-softmax gradient at " + i);
            }
        }
    }

    @Test
    void softmaxBackwardMatchesItsFormulaAlsoInPlace() {
        Random rnd = new Random(13);
        int rows = 3;
        int cols = 1000;
        float[] x = new float[rows * cols];
        float[] dy = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3);
            dy[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[x.length];
        Softmax.forward(false, x, y, rows, cols);
        float[] dx = new float[x.length];
        Softmax.backward(false, y, dy, dx, rows, cols);
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += (double) dy[r * cols + c] * y[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                assertEquals(y[i] * (dy[i] - dot), dx[i], 1e-6 * Math.abs(y[i]) * (1 + Math.abs(dy[i])), "dx at " + i);
            }
        }
        float[] aliased = dy.clone();
        Softmax.backward(false, y, aliased, aliased, rows, cols);
        for (int i = 0; i < x.length; i++) {
            assertEquals(dx[i], aliased[i], "dx written over dy at " + i);
        }
    }

    @Test
    void reluGradientKeepsDyBitsWhereXIsPositive() {
        float[] specials = {0f, -0f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY};
        Random rnd = new Random(17);
        int n = 203;
        float[] x = new float[n];
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < specials.length ? specials[i] : (float) rnd.nextGaussian();
            dy[i] = i % 11 == 0 ? Float.NaN : i % 13 == 0 ? -0f : (float) rnd.nextGaussian();
        }
        float[] dx = new float[n];
        FloatMath.reluGrad(x, dy, dx, 1, n);
        assertEquals(0f, dx[0], "outside the range nothing is written");
        for (int i = 1; i < n; i++) {
            float want = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & FloatOrder.positive(x[i]));
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(dx[i]), "dx at " + i + ", x = " + x[i]);
        }
    }
}

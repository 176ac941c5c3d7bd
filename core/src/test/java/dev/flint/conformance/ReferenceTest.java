package dev.flint.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.AdamParams;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.PoolGeometry;
import dev.flint.backend.SgdParams;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The oracle checked on its own: hand-computed values (and PyTorch's optimizer rules worked by hand),
 * and each backward pass against its forward pass by the adjoint identity or finite differences. A
 * backend that passes the suite is only as right as {@link Reference}; a bug there would otherwise be
 * shared by every backend written from it.
 */
class ReferenceTest {
    private static final double EPS = 1e-12;

    /**
     * The float64 rules every backend is judged against are themselves right: each derivative equals a
     * central finite difference of its value, for every differentiable function of the family (a new
     * one included, with no edit here), at points away from its kinks.
     */
    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void everyUnaryDerivativeMatchesFiniteDifferences(UnaryOp op) {
        Assumptions.assumeTrue(op.differentiable(), op + " has no gradient");
        Unary f = PrimitiveConformanceSuite.unaryUnderTest(op);
        double h = 1e-6;
        int checked = 0;
        for (double x : new double[] {-2.3, -1.1, -0.3, 0.2, 0.45, 0.9, 1.7, 2.6}) {
            double y = Reference.unary(op, x, f.a(), f.b());
            double up = Reference.unary(op, x + h, f.a(), f.b());
            double down = Reference.unary(op, x - h, f.a(), f.b());
            if (!Double.isFinite(y) || !Double.isFinite(up) || !Double.isFinite(down)) {
                continue;   // outside the domain (log, sqrt, pow of a negative)
            }
            double numeric = (up - down) / (2 * h);
            double analytic = Reference.derivative(op, x, y, f.a(), f.b());
            assertEquals(numeric, analytic, 1e-6 * (1 + Math.abs(numeric)), f + "'(" + x + ")");
            checked++;
        }
        assertTrue(checked >= 4, f + ": only " + checked + " points in the domain");
    }

    @Test
    void erfMatchesKnownValues() {
        // erf from tables (Abramowitz and Stegun 7.1), 16 digits
        assertEquals(0.5204998778130465, Reference.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, Reference.erf(1), 1e-15);
        assertEquals(-0.9103139782296354, Reference.erf(-1.2), 1e-15);
        assertEquals(0.9995930479825550, Reference.erf(2.5), 1e-15);
        assertEquals(0.9999779095030014, Reference.erf(3), 1e-15);
        assertEquals(0.0, Reference.erf(0), 0);
        assertEquals(1.0, Reference.erf(40), 0);
    }

    @Test
    void gemmInAllTransposesAndBetaZeroIgnoresNaN() {
        double[] a = {1, 2, 3, 4};
        double[] b = {5, 6, 7, 8};
        double[] c = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Reference.gemm(false, false, 1, 2, 2, 2, 1, a, 0, 0, b, 0, 0, 0, c, 0, 0);
        assertArrayEquals(new double[] {19, 22, 43, 50}, c, EPS);
        Reference.gemm(true, false, 1, 2, 2, 2, 1, a, 0, 0, b, 0, 0, 0, c, 0, 0);
        assertArrayEquals(new double[] {26, 30, 38, 44}, c, EPS);
        Reference.gemm(false, true, 1, 2, 2, 2, 1, a, 0, 0, b, 0, 0, 0, c, 0, 0);
        assertArrayEquals(new double[] {17, 23, 39, 53}, c, EPS);
        double[] ones = {1, 1, 1, 1};
        Reference.gemm(true, true, 1, 2, 2, 2, 2, a, 0, 0, b, 0, 0, -1, ones, 0, 0);
        // A^T B^T = (B A)^T = [[23, 31], [34, 46]]; 2x that minus 1.
        assertArrayEquals(new double[] {45, 61, 67, 91}, ones, EPS);
    }

    @Test
    void permuteSourceIsNumPysTranspose() {
        assertArrayEquals(new int[] {0, 3, 1, 4, 2, 5}, Reference.permuteSource(new int[] {2, 3}, new int[] {1, 0}));
        // (2, 1, 3) by (2, 0, 1): dst (3, 2, 1), dst[k, i, 0] = src[i, 0, k] at i * 3 + k.
        assertArrayEquals(new int[] {0, 3, 1, 4, 2, 5},
                Reference.permuteSource(new int[] {2, 1, 3}, new int[] {2, 0, 1}));
    }

    @Test
    void binaryBroadcastsAColumnAgainstARow() {
        double[] out = new double[12];
        Reference.binary(BinaryOp.SUB, new double[] {1, 2, 3}, new int[] {1, 0}, new double[] {10, 20, 30, 40},
                new int[] {0, 1}, out, new int[] {3, 4});
        assertArrayEquals(new double[] {-9, -19, -29, -39, -8, -18, -28, -38, -7, -17, -27, -37}, out, EPS);
        double[] scalar = new double[1];
        Reference.binary(BinaryOp.POW, new double[] {2}, new int[] {}, new double[] {10}, new int[] {}, scalar,
                new int[] {});
        assertEquals(1024, scalar[0], EPS);
    }

    @Test
    void argmaxTakesFirstTieAndNaN() {
        int[] out = new int[3];
        Reference.argmax(new double[] {2, 5, 5, 1, Double.NaN, 3, Double.NaN, -1, 0}, 3, 3, 1, out);
        assertArrayEquals(new int[] {1, 1, 0}, out);
    }

    @Test
    void softmaxAndCrossEntropyOfKnownRows() {
        double ln3 = Math.log(3);
        double[] x = {0, ln3, 1000, 1000 + ln3};
        double[] y = new double[4];
        Reference.softmaxForward(false, x, y, 2, 2);
        assertArrayEquals(new double[] {0.25, 0.75, 0.25, 0.75}, y, EPS);
        Reference.softmaxForward(true, x, y, 2, 2);
        assertArrayEquals(new double[] {Math.log(0.25), Math.log(0.75), Math.log(0.25), Math.log(0.75)}, y, EPS);
        double[] probs = new double[4];
        double[] losses = new double[2];
        Reference.softmaxCrossEntropyForward(x, new int[] {1, 0}, probs, losses, 2, 2);
        assertArrayEquals(new double[] {-Math.log(0.75), -Math.log(0.25)}, losses, 1e-9);
    }

    /** A 3x3 image 1..9, a 2x2 window, stride 2, padding 1: windows at rows/cols -1 and 1. */
    @Test
    void convAndPoolingOfAPaddedImage() {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        double[] y = new double[4];
        Reference.conv2dForward(new ConvGeometry(1, 1, 3, 3, 1, 2, 2, 2, 2, 1, 1), x, new double[] {1, 1, 1, 1},
                new double[] {0.5}, y);
        assertArrayEquals(new double[] {1.5, 5.5, 11.5, 28.5}, y, EPS);
        PoolGeometry g = new PoolGeometry(1, 1, 3, 3, 2, 2, 2, 2, 1, 1);
        Reference.avgPool2dForward(g, x, y);
        assertArrayEquals(new double[] {0.25, 1.25, 2.75, 7}, y, EPS);
        int[] indices = new int[4];
        Reference.maxPool2dForward(g, new double[] {-1, -2, -3, -4, -5, -6, -7, -8, -9}, y, indices);
        assertArrayEquals(new double[] {-1, -2, -4, -5}, y, EPS);
        assertArrayEquals(new int[] {0, 1, 3, 4}, indices);
    }

    /** {@code <conv(x, w), dy> = <x, dX(dy, w)> = <w, dW(x, dy)>}: both backward passes are adjoints of the forward. */
    @Test
    void convolutionBackwardPassesAreAdjointsOfTheForward() {
        Random rnd = new Random(1);
        for (ConvGeometry g : new ConvGeometry[] {new ConvGeometry(2, 3, 7, 6, 4, 3, 2, 2, 1, 1, 0),
            new ConvGeometry(1, 2, 5, 5, 3, 3, 3, 3, 2, 2, 1)}) {
            double[] x = random(rnd, g.inputSize());
            double[] w = random(rnd, g.weightSize());
            double[] dy = random(rnd, g.outputSize());
            double[] y = new double[g.outputSize()];
            double[] dx = new double[g.inputSize()];
            double[] dw = new double[g.weightSize()];
            Reference.conv2dForward(g, x, w, null, y);
            Reference.conv2dBackwardData(g, dy, w, dx);
            Reference.conv2dBackwardWeight(g, x, dy, dw);
            assertEquals(dot(y, dy), dot(x, dx), 1e-9, "conv2dBackwardData " + g);
            assertEquals(dot(y, dy), dot(w, dw), 1e-9, "conv2dBackwardWeight " + g);
        }
    }

    @Test
    void poolingBackwardPassesAreAdjointsOfTheForward() {
        Random rnd = new Random(2);
        PoolGeometry g = new PoolGeometry(2, 3, 7, 5, 3, 3, 2, 2, 1, 1);
        double[] x = random(rnd, g.inputSize());
        double[] dy = random(rnd, g.outputSize());
        double[] y = new double[g.outputSize()];
        double[] dx = new double[g.inputSize()];
        Reference.avgPool2dForward(g, x, y);
        Reference.avgPool2dBackward(g, dy, dx);
        assertEquals(dot(y, dy), dot(x, dx), 1e-9, "avgPool2dBackward");
        // Max pooling is linear in x once the winners are fixed.
        int[] indices = new int[g.outputSize()];
        Reference.maxPool2dForward(g, x, y, indices);
        Reference.maxPool2dBackward(g, dy, indices, dx);
        assertEquals(dot(y, dy), dot(x, dx), 1e-9, "maxPool2dBackward");
    }

    /** Softmax, log-softmax and cross-entropy gradients against central differences of their forward. */
    @Test
    void softmaxGradientsMatchFiniteDifferences() {
        Random rnd = new Random(3);
        int rows = 2;
        int cols = 5;
        double[] x = random(rnd, rows * cols);
        double[] dy = random(rnd, rows * cols);
        int[] labels = {3, 0};
        double[] dLosses = {0.7, -1.3};
        for (boolean log : new boolean[] {false, true}) {
            double[] y = new double[x.length];
            Reference.softmaxForward(log, x, y, rows, cols);
            double[] dx = new double[x.length];
            Reference.softmaxBackward(log, y, dy, dx, rows, cols);
            for (int i = 0; i < x.length; i++) {
                final boolean isLog = log;
                double numeric = centralDifference(x, i, xs -> {
                    double[] ys = new double[xs.length];
                    Reference.softmaxForward(isLog, xs, ys, rows, cols);
                    return dot(ys, dy);
                });
                assertEquals(numeric, dx[i], 1e-7, (log ? "log-softmax" : "softmax") + " gradient at " + i);
            }
        }
        double[] probs = new double[x.length];
        double[] losses = new double[rows];
        Reference.softmaxCrossEntropyForward(x, labels, probs, losses, rows, cols);
        double[] dLogits = new double[x.length];
        Reference.softmaxCrossEntropyBackward(probs, labels, dLosses, dLogits, rows, cols);
        for (int i = 0; i < x.length; i++) {
            double numeric = centralDifference(x, i, xs -> {
                double[] p = new double[xs.length];
                double[] l = new double[rows];
                Reference.softmaxCrossEntropyForward(xs, labels, p, l, rows, cols);
                return dot(l, dLosses);
            });
            assertEquals(numeric, dLogits[i], 1e-7, "cross-entropy gradient at " + i);
        }
    }

    /** {@code torch.optim.SGD} worked by hand: p = 1, g = 0.5, lr = 0.1. */
    @Test
    void sgdFollowsTorchByHand() {
        double[] p = {1};
        double[] v = {Double.NaN};
        Reference.sgdUpdate(p, new double[] {0.5}, v, 1, new SgdParams(0.1f, 0.9f, 0.5f, 0, false, true));
        assertEquals(0.5, v[0], 1e-7, "first step: buffer = g, no dampening");
        assertEquals(0.95, p[0], 1e-7);
        Reference.sgdUpdate(p, new double[] {0.5}, v, 1, new SgdParams(0.1f, 0.9f, 0.5f, 0, false, false));
        assertEquals(0.7, v[0], 1e-7, "buffer = 0.9 * 0.5 + (1 - 0.5) * 0.5");
        assertEquals(0.88, p[0], 1e-7);

        double[] q = {1};
        double[] u = {0};
        Reference.sgdUpdate(q, new double[] {0.5}, u, 1, new SgdParams(0.1f, 0.9f, 0, 0.2f, true, true));
        // g = 0.5 + 0.2 * 1 = 0.7; buffer = 0.7; nesterov g = 0.7 + 0.9 * 0.7 = 1.33.
        assertEquals(0.7, u[0], 1e-7);
        assertEquals(1 - 0.133, q[0], 1e-7);
    }

    /** {@code torch.optim.Adam}/{@code AdamW} first step: the bias-corrected update is lr * g / (|g| + eps). */
    @Test
    void adamFirstStepByHand() {
        double[] p = {1};
        double[] m = {0};
        double[] v = {0};
        Reference.adamUpdate(p, new double[] {0.5}, m, v, 1, new AdamParams(0.1f, 0.9f, 0.999f, 1e-8f, 0, false, 1));
        // Parameters arrive as float32 (0.9f is 0.899999976...), hence tolerances of float precision.
        assertEquals(0.05, m[0], 1e-7);
        assertEquals(0.00025, v[0], 1e-8);
        assertEquals(0.9, p[0], 1e-7);

        double[] q = {1};
        double[] mq = {0};
        double[] vq = {0};
        Reference.adamUpdate(q, new double[] {0.5}, mq, vq, 1, new AdamParams(0.1f, 0.9f, 0.999f, 1e-8f, 0.1f, true, 1));
        assertEquals(0.99 - 0.1, q[0], 1e-7, "AdamW: decay 1 - lr * wd first, then the Adam step");
    }

    private interface Scalar {
        double at(double[] x);
    }

    private static double centralDifference(double[] x, int i, Scalar f) {
        double h = 1e-6;
        double[] plus = x.clone();
        double[] minus = x.clone();
        plus[i] += h;
        minus[i] -= h;
        return (f.at(plus) - f.at(minus)) / (2 * h);
    }

    private static double[] random(Random rnd, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextDouble() * 2 - 1;
        }
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}

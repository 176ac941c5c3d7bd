package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.conformance.Reference;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

    @Test
    void shortRowsGetTheSameBitsWhateverTheirChunk() {
        // rows under four vectors run their exponentials as one block (Softmax.shortRows), every element
        // in the vector lanes; each element must come out as when its row is computed alone, so that the
        // chunks the threads take change nothing: -inf, huge and NaN logits included. Longer rows (from
        // 4 vectors: 32 or 64 columns) take the per-row path, checked here on both sides of the limit.
        Assumptions.assumeTrue(FloatMath.VECTOR, "the block path needs the Vector API");
        Random rnd = new Random(13);
        int limit = Softmax.SHORT_ROW_VECTORS * VectorExp.lanes();
        int[] lengths = {1, 2, 3, 5, 7, 8, 9, 10, 15, 16, 17, 24, 31, 32, 33, limit - 1, limit, limit + 1, 100};
        for (int cols : lengths) {
            int rows = 37;
            float[] x = new float[rows * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (rnd.nextFloat() - 0.5f) * (i % 7 == 0 ? 400f : 8f);
            }
            x[0] = Float.NEGATIVE_INFINITY;
            x[x.length - 1] = Float.NaN;
            int[] labels = new int[rows];
            float[] expected = new float[x.length];
            float[] expectedLoss = new float[rows];
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                labels[r] = rnd.nextInt(cols);
                float max = FloatMath.max(x, off, cols);
                double sum;
                if (Softmax.shortRows(cols)) {
                    Softmax.shiftedExp(x, expected, r, r + 1, cols);
                    sum = 0;
                    for (int c = 0; c < cols; c++) {
                        sum += expected[off + c];
                    }
                } else {
                    sum = FloatMath.expShiftSum(x, off, expected, off, cols, max);
                }
                FloatMath.scale(expected, off, cols, (float) (1.0 / sum));
                expectedLoss[r] = (float) (Math.log(sum) + max - x[off + labels[r]]);
            }
            assertForward(false, x, rows, cols, expected);
            float[] probs = new float[x.length];
            float[] losses = new float[rows];
            Softmax.crossEntropyForward(x, labels, probs, losses, rows, cols);
            assertArrayEquals(expected, probs, "cross-entropy probabilities, " + cols + " columns");
            assertArrayEquals(expectedLoss, losses, "cross-entropy losses, " + cols + " columns");
            // log-softmax: the same limit, each row as when computed alone, in place too
            float[] expectedLog = new float[x.length];
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                if (Softmax.shortRows(cols)) {
                    Softmax.shortLogRows(x, expectedLog, r, r + 1, cols);
                } else {
                    float max = FloatMath.max(x, off, cols);
                    double sum = FloatMath.expShiftSum(x, off, null, off, cols, max);
                    FloatMath.subSub(x, expectedLog, off, cols, max, (float) Math.log(sum));
                }
            }
            float[] logY = assertForward(true, x, rows, cols, expectedLog);
            // and right: against log-softmax in double (the rows with -inf and NaN left out)
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                xd[i] = x[i];
            }
            double[] want = new double[x.length];
            Reference.softmaxForward(true, xd, want, rows, cols);
            for (int i = cols; i < (rows - 1) * cols; i++) {
                assertEquals(want[i], logY[i], 1e-5 + 1e-6 * Math.abs(want[i]),
                        "log-softmax element " + i + ", " + cols + " columns");
            }
        }
    }

    /** Softmax (or log-softmax) of x into a new array and in place, both equal to expected; the first. */
    private static float[] assertForward(boolean log, float[] x, int rows, int cols, float[] expected) {
        String what = (log ? "log-softmax, " : "softmax, ") + cols + " columns";
        float[] y = new float[x.length];
        Softmax.forward(log, x, y, rows, cols);
        assertArrayEquals(expected, y, what);
        float[] inPlace = x.clone();
        Softmax.forward(log, inPlace, inPlace, rows, cols);
        assertArrayEquals(expected, inPlace, what + ", in place");
        return y;
    }

    @Test
    void backwardRowsTakeTheSameBitsAsEachRowAlone() {
        // Softmax.backward sums each row's dy y in the pass that writes the row before it
        // (FloatMath.softmaxGradRows); every row must come out as dot then softmaxGrad give it alone,
        // whatever the row length (heads, blocks of four vectors, several sum blocks, tails), the range
        // of rows a thread takes, and with dx written over dy or y
        Random rnd = new Random(29);
        for (int cols : new int[] {1, 7, 16, 63, 64, 65, 100, 255, 256, 257, 300, 1000, 1029}) {
            int rows = 9;
            float[] y = new float[rows * cols];
            float[] dy = new float[rows * cols];
            for (int i = 0; i < y.length; i++) {
                y[i] = rnd.nextFloat();
                dy[i] = (rnd.nextFloat() - 0.5f) * (i % 5 == 0 ? 100f : 1f);
            }
            float[] expected = new float[y.length];
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                FloatMath.softmaxGrad(y, dy, expected, off, cols, (float) FloatMath.dot(dy, y, off, cols));
            }
            float[] dx = new float[y.length];
            Softmax.backward(false, y, dy, dx, rows, cols);
            assertArrayEquals(expected, dx, "softmax backward, " + cols + " columns");
            for (int r0 = 0; r0 < rows; r0 += 4) {
                // one thread's chunk: rows r0 .. r0 + 3, starting and ending anywhere
                float[] part = new float[y.length];
                int r1 = Math.min(rows, r0 + 4);
                FloatMath.softmaxGradRows(y, dy, part, r0, r1, cols);
                for (int i = r0 * cols; i < r1 * cols; i++) {
                    assertEquals(expected[i], part[i], "rows " + r0 + ".." + r1 + ", " + cols + " columns, at " + i);
                }
            }
            float[] overDy = dy.clone();
            Softmax.backward(false, y, overDy, overDy, rows, cols);
            assertArrayEquals(expected, overDy, "softmax backward into dy, " + cols + " columns");
            float[] overY = y.clone();
            Softmax.backward(false, overY, dy, overY, rows, cols);
            assertArrayEquals(expected, overY, "softmax backward into y, " + cols + " columns");
        }
    }

    @Test
    void hugeLogitsStayFinite() {
        float[] x = {1000f, 1001f, 999f, -1000f, 0f, 1000f};
        float[] y = new float[6];
        Softmax.forward(false, x, y, 2, 3);
        double z = Math.exp(-1) + 1 + Math.exp(-2);
        assertEquals(Math.exp(-1) / z, y[0], 1e-6);
        assertEquals(1 / z, y[1], 1e-6);
        assertEquals(0, y[3], 1e-6);
        assertEquals(1, y[5], 1e-6);
        float[] logY = new float[6];
        Softmax.forward(true, x, logY, 2, 3);
        assertEquals(-1 - Math.log(z), logY[0], 1e-5);
        assertEquals(-2000, logY[3], 1e-2);
    }

    @Test
    void crossEntropyMatchesLogSoftmaxAndItsGradient() {
        float[] logits = {2f, -1f, 0.5f, 300f, 299f, -5f};
        int[] labels = {2, 0};
        float[] probs = new float[6];
        float[] losses = new float[2];
        Softmax.crossEntropyForward(logits, labels, probs, losses, 2, 3);
        float[] logY = new float[6];
        Softmax.forward(true, logits, logY, 2, 3);
        assertEquals(-logY[2], losses[0], 1e-6);
        assertEquals(-logY[3], losses[1], 1e-6);

        float[] dLogits = new float[6];
        Softmax.crossEntropyBackward(probs, labels, new float[] {2f, 0.5f}, dLogits, 2, 3);
        assertEquals(2 * probs[0], dLogits[0], 1e-7);
        assertEquals(2 * (probs[2] - 1), dLogits[2], 1e-7);
        assertEquals(0.5 * (probs[3] - 1), dLogits[3], 1e-7);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        float[] x = {0.3f, -1.2f, 2.0f, 0.7f};
        float[] dy = {0.5f, -0.25f, 1.0f, 0.1f};
        for (boolean log : new boolean[] {false, true}) {
            float[] y = new float[4];
            Softmax.forward(log, x, y, 1, 4);
            float[] dx = new float[4];
            Softmax.backward(log, y, dy, dx, 1, 4);
            for (int i = 0; i < 4; i++) {
                double h = 1e-3;
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += (float) h;
                minus[i] -= (float) h;
                float[] yp = new float[4];
                float[] ym = new float[4];
                Softmax.forward(log, plus, yp, 1, 4);
                Softmax.forward(log, minus, ym, 1, 4);
                double numeric = 0;
                for (int j = 0; j < 4; j++) {
                    numeric += dy[j] * (yp[j] - ym[j]) / (plus[i] - minus[i]);
                }
                assertEquals(numeric, dx[i], 2e-3, "log=" + log + " d/dx" + i);
            }
        }
    }
}

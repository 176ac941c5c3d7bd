package dev.flint.cpu.kernel;

import dev.flint.cpu.parallel.Parallel;

/**
 * Row-wise softmax, log-softmax and fused softmax cross-entropy on {@code (rows, cols)} matrices.
 * Every row subtracts its maximum before exponentiating, so large logits never overflow; exponentials
 * come from {@link FloatMath#expShiftSum} (Vector API when available, within 2 ulp) and their sums
 * accumulate in double.
 *
 * <pre>{@code
 * Softmax.forward(false, logits, probs, rows, cols);
 * Softmax.crossEntropyForward(logits, labels, probs, losses, rows, classes);
 * }</pre>
 */
public final class Softmax {
    private Softmax() {
    }

    /** Softmax (or log-softmax when {@code log}) of each row of {@code x} into {@code y}. */
    public static void forward(boolean log, float[] x, float[] y, int rows, int cols) {
        if (cols == 0) {
            return;   // empty rows: nothing to normalize
        }
        Parallel.forRange(0, rows, grain(cols), (r0, r1) -> {
            if (shortRows(cols)) {
                if (log) {
                    shortLogRows(x, y, r0, r1, cols);
                    return;
                }
                shiftedExp(x, y, r0, r1, cols);
                for (int r = r0; r < r1; r++) {
                    int off = r * cols;
                    FloatMath.scale(y, off, cols, (float) (1.0 / rowSum(y, off, cols)));
                }
                return;
            }
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                float max = rowMax(x, off, cols);
                // log-softmax only needs the sum: storing nothing keeps in-place calls (y == x) correct
                double sum = FloatMath.expShiftSum(x, off, log ? null : y, off, cols, max);
                if (log) {
                    // (x - max) is exact for nearby values; folding max into the log term first would
                    // round it at the scale of max and lose digits of small outputs.
                    FloatMath.subSub(x, y, off, cols, max, (float) Math.log(sum));
                } else {
                    FloatMath.scale(y, off, cols, (float) (1.0 / sum));
                }
            }
        });
    }

    /**
     * Gradient from the forward output {@code y}: softmax {@code dx = y (dy - sum(dy y))}, log-softmax
     * {@code dx = dy - exp(y) sum(dy)}, sums per row; dx may alias dy or y. Log-softmax makes two passes
     * over a row, the second while the row is still in cache; softmax sums each row in the pass that
     * writes the row before it ({@link FloatMath#softmaxGradRows}), the same bits as the two passes.
     */
    public static void backward(boolean log, float[] y, float[] dy, float[] dx, int rows, int cols) {
        if (cols == 0) {
            return;   // empty rows: nothing to normalize
        }
        Parallel.forRange(0, rows, grain(cols), (r0, r1) -> {
            if (!log) {
                FloatMath.softmaxGradRows(y, dy, dx, r0, r1, cols);
                return;
            }
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                float s = (float) FloatMath.dot(dy, null, off, cols);
                FloatMath.logSoftmaxGrad(y, dy, dx, off, cols, s);
            }
        });
    }

    /**
     * {@code probs} = softmax of each row of {@code logits}; {@code losses[r] = logsumexp(row) - row[label]}.
     */
    public static void crossEntropyForward(float[] logits, int[] labels, float[] probs, float[] losses, int rows,
                                           int classes) {
        Parallel.forRange(0, rows, grain(classes), (r0, r1) -> {
            boolean shortRows = shortRows(classes) && probs != logits;
            if (shortRows) {
                shiftedExp(logits, probs, r0, r1, classes);
            }
            for (int r = r0; r < r1; r++) {
                int off = r * classes;
                float max = rowMax(logits, off, classes);
                double sum = shortRows ? rowSum(probs, off, classes)
                        : FloatMath.expShiftSum(logits, off, probs, off, classes, max);
                // loss = log(sum) + max - x[label], kept in double so a confident right answer gives ~0, not noise.
                losses[r] = (float) (Math.log(sum) + max - logits[off + labels[r]]);
                FloatMath.scale(probs, off, classes, (float) (1.0 / sum));
            }
        });
    }

    /** {@code dLogits[r, c] = dLosses[r] * (probs[r, c] - [c == labels[r]])}. */
    public static void crossEntropyBackward(float[] probs, int[] labels, float[] dLosses, float[] dLogits, int rows,
                                            int classes) {
        Parallel.forRange(0, rows, grain(classes), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * classes;
                float g = dLosses[r];
                for (int c = 0; c < classes; c++) {
                    dLogits[off + c] = g * probs[off + c];
                }
                dLogits[off + labels[r]] = g * (probs[off + labels[r]] - 1f);
            }
        });
    }

    private static float rowMax(float[] x, int off, int n) {
        return FloatMath.max(x, off, n);
    }

    /**
     * Rows shorter than {@value #SHORT_ROW_VECTORS} vectors (a 10-class head at any width) take
     * {@link #shiftedExp}: the per-row path runs the exponentials before a row's first aligned vector
     * and after its last whole one in scalar code, up to two vectors' worth a row, about 100 ns a row
     * when no whole vector fits. Measured on Zen 5, 256 rows, both paths interleaved in one JVM (us,
     * softmax forward / cross-entropy forward): at 256 bits 10 columns 19.7 -> 10.7 / 24.4 -> 17.3, 17
     * columns 25.9 -> 14.4 / 29.7 -> 22.0, 31 columns 30.1 -> 20.8 / 33.6 -> 30.4; at 512 bits 17
     * columns 28.1 -> 9.1 / 31.8 -> 13.5, 63 columns 37.3 -> 18.5 / 38.8 -> 24.3. At 100 columns (512
     * bits) the block path's one-at-a-time row sum made cross-entropy slower (22.3 -> 26.6): longer rows
     * stay on the per-row path. Log-softmax takes the same limit ({@link #shortLogRows}); with 256 rows,
     * interleaved in one JVM (us): at 256 bits 10 columns 16.8 -> 10.0, 31 columns 23.7 -> 17.8; at 512
     * bits 10 columns 20.5 -> 9.6, 63 columns 29.1 -> 15.6.
     */
    static boolean shortRows(int cols) {
        return FloatMath.VECTOR && cols < SHORT_ROW_VECTORS * VectorExp.lanes();
    }

    /** Rows shorter than this many vectors take the block path ({@link #shortRows}). */
    static final int SHORT_ROW_VECTORS = 4;

    /**
     * {@code y[i] = exp(x[i] - max of i's row)} for the rows [r0, r1) of {@code cols} each: the shifted
     * values first, then one exponential over the whole block with every element in the vector lanes
     * ({@link VectorExp#expEveryLane}), so that an element's bits do not depend on which chunk of rows a
     * thread took. x may be y.
     */
    static void shiftedExp(float[] x, float[] y, int r0, int r1, int cols) {
        shiftRows(x, y, r0, r1, cols);
        VectorExp.expEveryLane(y, r0 * cols, y, r0 * cols, (r1 - r0) * cols);
    }

    /** {@code y[i] = x[i] - max of i's row} for the rows [r0, r1) of {@code cols} each; x may be y. */
    private static void shiftRows(float[] x, float[] y, int r0, int r1, int cols) {
        for (int r = r0; r < r1; r++) {
            int off = r * cols;
            float max = rowMax(x, off, cols);
            for (int c = 0; c < cols; c++) {
                y[off + c] = x[off + c] - max;
            }
        }
    }

    /**
     * Log-softmax of the short rows [r0, r1): {@code y = (x - max) - log(sum of e^(x - max))} per row,
     * the same two subtractions as the per-row path, with the exponentials of a block of rows run
     * through the vector lanes together ({@link VectorExp#expEveryLane}) into scratch, so that x may be
     * y and a row's bits do not depend on the rows around it.
     */
    static void shortLogRows(float[] x, float[] y, int r0, int r1, int cols) {
        int blockRows = Math.max(1, VectorExp.BLOCK / cols);
        float[] e = Scratch.floats(Scratch.STAGING, blockRows * cols);
        for (int b0 = r0; b0 < r1; b0 += blockRows) {
            int b1 = Math.min(r1, b0 + blockRows);
            shiftRows(x, y, b0, b1, cols);
            VectorExp.expEveryLane(y, b0 * cols, e, 0, (b1 - b0) * cols);
            for (int r = b0; r < b1; r++) {
                int off = r * cols;
                float logSum = (float) Math.log(rowSum(e, (r - b0) * cols, cols));
                for (int c = 0; c < cols; c++) {
                    y[off + c] -= logSum;
                }
            }
        }
    }

    /** A row's sum in double, one element at a time. */
    private static double rowSum(float[] y, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += y[off + i];
        }
        return sum;
    }

    /** Rows per chunk so that a chunk holds a few thousand exponentials. */
    private static int grain(int cols) {
        return Math.max(1, Elementwise.GRAIN_HEAVY / Math.max(1, cols));
    }
}

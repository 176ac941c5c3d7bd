package dev.flint.cpu.kernel;

import dev.flint.backend.BatchNormParams;
import dev.flint.cpu.parallel.Parallel;

/**
 * Layer normalization (each row of {@code (rows, cols)}) and batch normalization (each channel of
 * {@code (batch, channels, inner)}), forward and backward, fused: one pass for the statistics, one for
 * the output, no temporaries. Statistics accumulate in double. Work is split over independent outputs
 * only (rows, channels, or the columns of a weight gradient, each summed over rows in order), so results
 * do not depend on the thread count.
 *
 * <pre>{@code
 * Normalization.layerNormForward(x, w, b, y, mean, rstd, rows, cols, 1e-5f);
 * Normalization.layerNormBackward(x, w, mean, rstd, dy, dx, dw, db, rows, cols);
 * }</pre>
 */
public final class Normalization {
    private Normalization() {
    }

    /** Rows per chunk so that a chunk holds a few thousand elements. */
    private static int grain(int cols) {
        return Math.max(1, Elementwise.GRAIN_HEAVY / Math.max(1, cols));
    }

    // ---------------------------------------------------------------- layer norm

    /**
     * {@code y = (x - mean) * rstd * w + b} per row, {@code rstd = 1 / sqrt(var + eps)} (biased variance);
     * {@code w}, {@code b} may be null. Writes {@code mean} and {@code rstd} per row.
     */
    public static void layerNormForward(float[] x, float[] w, float[] b, float[] y, float[] mean, float[] rstd,
                                        int rows, int cols, float eps) {
        Parallel.forRange(0, rows, grain(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                // The row sums were the cost: one chain of double adds per row is latency-bound, so on the
                // Vector API they are float partial sums moved into double (FloatMath.dot).
                double sum = FloatMath.dot(x, null, off, cols);
                float m = (float) (sum / cols);
                // Two passes: the variance of (x - mean) does not cancel the way E[x^2] - mean^2 does.
                double sq = FloatMath.sumSquaredDiff(x, off, cols, m);
                float rs = (float) (1.0 / Math.sqrt(sq / cols + eps));
                mean[r] = m;
                rstd[r] = rs;
                if (w != null && b != null) {
                    FloatMath.normalizeRow(x, y, off, cols, m, rs, w, b);
                } else if (w != null) {
                    for (int c = 0; c < cols; c++) {
                        y[off + c] = (x[off + c] - m) * rs * w[c];
                    }
                } else if (b != null) {
                    for (int c = 0; c < cols; c++) {
                        y[off + c] = (x[off + c] - m) * rs + b[c];
                    }
                } else {
                    for (int c = 0; c < cols; c++) {
                        y[off + c] = (x[off + c] - m) * rs;
                    }
                }
            }
        });
    }

    /**
     * {@code dx = rstd (g - mean(g) - xhat mean(g xhat))} per row with {@code g = dy w}; {@code dw = sum_rows
     * dy xhat}, {@code db = sum_rows dy}. Null outputs are skipped; {@code w} may be null.
     */
    public static void layerNormBackward(float[] x, float[] w, float[] mean, float[] rstd, float[] dy, float[] dx,
                                         float[] dw, float[] db, int rows, int cols) {
        if (dx != null) {
            Parallel.forRange(0, rows, grain(cols), (r0, r1) -> {
                double[] sums = new double[2];
                for (int r = r0; r < r1; r++) {
                    int off = r * cols;
                    float m = mean[r];
                    float rs = rstd[r];
                    if (w != null) {
                        // as in the forward pass: float partial sums instead of two double add chains
                        FloatMath.layerNormGradSums(x, dy, w, off, cols, m, rs, sums);
                        FloatMath.layerNormGradRow(x, dy, w, dx, off, cols, m, rs, (float) (sums[0] / cols),
                                (float) (sums[1] / cols));
                        continue;
                    }
                    double gSum = 0;
                    double gxSum = 0;
                    for (int c = 0; c < cols; c++) {
                        float g = w == null ? dy[off + c] : dy[off + c] * w[c];
                        gSum += g;
                        gxSum += g * ((x[off + c] - m) * rs);
                    }
                    float gMean = (float) (gSum / cols);
                    float gxMean = (float) (gxSum / cols);
                    for (int c = 0; c < cols; c++) {
                        float g = w == null ? dy[off + c] : dy[off + c] * w[c];
                        float xhat = (x[off + c] - m) * rs;
                        dx[off + c] = rs * (g - gMean - xhat * gxMean);
                    }
                }
            });
        }
        if (dw != null || db != null) {
            // Column sums over every row, in row order: threads split the columns, never the rows.
            Parallel.forRange(0, cols, Math.max(16, Elementwise.GRAIN_HEAVY / Math.max(1, rows)), (c0, c1) -> {
                int width = c1 - c0;
                double[] accW = buffer(width);
                double[] accB = buffer2(width);
                java.util.Arrays.fill(accW, 0, width, 0);
                java.util.Arrays.fill(accB, 0, width, 0);
                for (int r = 0; r < rows; r++) {
                    int off = r * cols + c0;
                    float m = mean[r];
                    float rs = rstd[r];
                    for (int c = 0; c < width; c++) {
                        float g = dy[off + c];
                        accW[c] += g * ((x[off + c] - m) * rs);
                        accB[c] += g;
                    }
                }
                for (int c = 0; c < width; c++) {
                    if (dw != null) {
                        dw[c0 + c] = (float) accW[c];
                    }
                    if (db != null) {
                        db[c0 + c] = (float) accB[c];
                    }
                }
            });
        }
    }

    // ---------------------------------------------------------------- batch norm

    /**
     * Batch normalization of {@code x (batch, channels, inner)}: training statistics (and the running ones
     * moved in place, when given) or the running statistics, as {@link BatchNormParams} says.
     */
    public static void batchNormForward(BatchNormParams p, float[] x, float[] w, float[] b, float[] runningMean,
                                        float[] runningVar, float[] y, float[] saveMean, float[] saveInvStd) {
        int channels = p.channels();
        int inner = p.inner();
        int count = p.count();
        Parallel.forRange(0, channels, Math.max(1, Elementwise.GRAIN_HEAVY / Math.max(1, count)), (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                float m;
                float invStd;
                if (p.training()) {
                    double sum = 0;
                    for (int n = 0; n < p.batch(); n++) {
                        int off = (n * channels + c) * inner;
                        for (int i = 0; i < inner; i++) {
                            sum += x[off + i];
                        }
                    }
                    m = (float) (sum / count);
                    double sq = 0;
                    for (int n = 0; n < p.batch(); n++) {
                        int off = (n * channels + c) * inner;
                        for (int i = 0; i < inner; i++) {
                            float d = x[off + i] - m;
                            sq += d * d;
                        }
                    }
                    double var = sq / count;
                    invStd = (float) (1.0 / Math.sqrt(var + p.eps()));
                    if (runningMean != null) {
                        runningMean[c] = (1f - p.momentum()) * runningMean[c] + p.momentum() * m;
                        runningVar[c] = (1f - p.momentum()) * runningVar[c]
                                + p.momentum() * (float) (sq / (count - 1));
                    }
                } else {
                    m = runningMean[c];
                    invStd = (float) (1.0 / Math.sqrt((double) runningVar[c] + p.eps()));
                }
                saveMean[c] = m;
                saveInvStd[c] = invStd;
                // (x - m) first: x * scale - m * scale would cancel when the mean is large against the spread
                float scale = w == null ? invStd : invStd * w[c];
                float shift = b == null ? 0f : b[c];
                for (int n = 0; n < p.batch(); n++) {
                    int off = (n * channels + c) * inner;
                    for (int i = 0; i < inner; i++) {
                        y[off + i] = (x[off + i] - m) * scale + shift;
                    }
                }
            }
        });
    }

    /**
     * {@code dx = w invStd (dy - mean(dy) - xhat mean(dy xhat))} in training, {@code w invStd dy} in evaluation;
     * {@code dw = sum(dy xhat)}, {@code db = sum(dy)} per channel. Null outputs are skipped.
     */
    public static void batchNormBackward(BatchNormParams p, float[] x, float[] w, float[] saveMean,
                                         float[] saveInvStd, float[] dy, float[] dx, float[] dw, float[] db) {
        int channels = p.channels();
        int inner = p.inner();
        int count = p.count();
        Parallel.forRange(0, channels, Math.max(1, Elementwise.GRAIN_HEAVY / Math.max(1, count)), (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                float m = saveMean[c];
                float invStd = saveInvStd[c];
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int n = 0; n < p.batch(); n++) {
                    int off = (n * channels + c) * inner;
                    for (int i = 0; i < inner; i++) {
                        float g = dy[off + i];
                        sumDy += g;
                        sumDyXhat += g * ((x[off + i] - m) * invStd);
                    }
                }
                if (dw != null) {
                    dw[c] = (float) sumDyXhat;
                }
                if (db != null) {
                    db[c] = (float) sumDy;
                }
                if (dx == null) {
                    continue;
                }
                float scale = w == null ? invStd : invStd * w[c];
                float meanDy = p.training() ? (float) (sumDy / count) : 0f;
                float meanDyXhat = p.training() ? (float) (sumDyXhat / count) : 0f;
                for (int n = 0; n < p.batch(); n++) {
                    int off = (n * channels + c) * inner;
                    for (int i = 0; i < inner; i++) {
                        float xhat = (x[off + i] - m) * invStd;
                        dx[off + i] = scale * (dy[off + i] - meanDy - xhat * meanDyXhat);
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- per-thread accumulators

    private static final ThreadLocal<double[][]> ACC = ThreadLocal.withInitial(() -> new double[2][]);

    private static double[] buffer(int n) {
        return slot(0, n);
    }

    private static double[] buffer2(int n) {
        return slot(1, n);
    }

    private static double[] slot(int i, int n) {
        double[][] slots = ACC.get();
        if (slots[i] == null || slots[i].length < n) {
            slots[i] = new double[n];
        }
        return slots[i];
    }
}

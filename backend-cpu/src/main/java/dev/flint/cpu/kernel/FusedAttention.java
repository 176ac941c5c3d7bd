package dev.flint.cpu.kernel;

import dev.flint.backend.Attention;
import dev.flint.cpu.parallel.Parallel;

/**
 * Scaled dot-product attention, forward and backward, one (batch, head) matrix at a time, never storing
 * the (queries, keys) probabilities: the forward pass keeps each row's log-sum-exp, the backward pass
 * recomputes the row's probabilities from it (as FlashAttention does). Per matrix, K (and V in the
 * backward pass) are first transposed into a small per-thread buffer, so that every inner loop runs
 * along contiguous memory: a score row is {@code sum_d q[d] * Kt[d, :]}, an output row
 * {@code sum_j p[j] * V[j, :]}. Causal rows stop at the diagonal, halving the work.
 *
 * <pre>{@code
 * FusedAttention.forward(a, q, k, v, mask, out, lse);                    // a: sizes and strides
 * FusedAttention.backward(a, q, k, v, mask, out, lse, dOutAt, dOut, dqAt, dq, dkAt, dk, dvAt, dv);
 * }</pre>
 *
 * <p>Threads: the forward pass splits over (matrix, block of query rows), each row computed the same way
 * whatever the split; the backward pass over matrices, since dK and dV sum over every query row (in row
 * order). Results do not depend on the thread count.
 */
public final class FusedAttention {
    /** Scratch slots of {@link #buffer}. */
    private static final int KT = 0;
    private static final int VT = 1;
    private static final int SCORES = 2;
    private static final int DP = 3;
    private static final int DQ = 4;
    private static final int DK = 5;
    private static final int DV = 6;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[7][]);

    private FusedAttention() {
    }

    /** This thread's scratch array of at least {@code n} floats in {@code slot}; contents are stale. */
    private static float[] buffer(int slot, int n) {
        float[][] slots = BUFFERS.get();
        float[] b = slots[slot];
        if (b == null || b.length < n) {
            b = new float[Math.max(n, 16)];
            slots[slot] = b;
        }
        return b;
    }

    /** {@code dst (width, rows)} = the transpose of the rows {@code [0, rows)} of one strided matrix. */
    private static void transpose(float[] src, int base, int rowStride, int rows, int width, float[] dst) {
        for (int j = 0; j < rows; j++) {
            int s = base + j * rowStride;
            for (int e = 0; e < width; e++) {
                dst[e * rows + j] = src[s + e];
            }
        }
    }

    /** Keys a query row sees: all, or up to the diagonal when causal. */
    private static int keyEnd(Attention a, int i) {
        return a.causal() ? Math.min(i + 1, a.keys()) : a.keys();
    }

    /**
     * {@code s[j] = scale * q_i . k_j + mask[i, j]} for {@code j < end}, from the transposed keys {@code kt}
     * (headDim, keys).
     */
    private static void scores(Attention a, float[] q, int qi, float[] kt, float[] mask, int maskRow, float[] s,
                               int end) {
        int keys = a.keys();
        java.util.Arrays.fill(s, 0, end, 0f);
        for (int d = 0; d < a.headDim(); d++) {
            float qd = q[qi + d];
            int row = d * keys;
            for (int j = 0; j < end; j++) {
                s[j] += qd * kt[row + j];
            }
        }
        float scale = a.scale();
        if (mask == null) {
            for (int j = 0; j < end; j++) {
                s[j] *= scale;
            }
        } else {
            for (int j = 0; j < end; j++) {
                s[j] = s[j] * scale + mask[maskRow + j];
            }
        }
    }

    /** Writes {@code out} and {@code lse} ((batch, heads, queries), contiguous). */
    public static void forward(Attention a, float[] q, float[] k, float[] v, float[] mask, float[] out,
                               float[] lse) {
        int matrices = a.batch() * a.heads();
        int queries = a.queries();
        if (matrices == 0 || queries == 0) {
            return;
        }
        // Enough units for every thread when there are few matrices; whole matrices otherwise, so that
        // each transposed K serves as many rows as possible.
        int blocks = Math.max(1, Math.min(queries, (4 * Parallel.threads() + matrices - 1) / matrices));
        int rowsPerBlock = (queries + blocks - 1) / blocks;
        int units = matrices * ((queries + rowsPerBlock - 1) / rowsPerBlock);
        int unitsPerMatrix = units / matrices;
        Parallel.forRange(0, units, 1, (u0, u1) -> {
            int keys = a.keys();
            float[] kt = buffer(KT, a.headDim() * keys);
            float[] s = buffer(SCORES, keys);
            int lastMatrix = -1;
            for (int u = u0; u < u1; u++) {
                int mtx = u / unitsPerMatrix;
                int b = mtx / a.heads();
                int h = mtx % a.heads();
                int i0 = (u % unitsPerMatrix) * rowsPerBlock;
                int i1 = Math.min(queries, i0 + rowsPerBlock);
                if (mtx != lastMatrix) {
                    transpose(k, a.k().at(b, h, 0), a.k().rowStride(), keys, a.headDim(), kt);
                    lastMatrix = mtx;
                }
                for (int i = i0; i < i1; i++) {
                    row(a, b, h, i, q, kt, v, mask, out, lse, s);
                }
            }
        });
    }

    private static void row(Attention a, int b, int h, int i, float[] q, float[] kt, float[] v, float[] mask,
                            float[] out, float[] lse, float[] s) {
        int end = keyEnd(a, i);
        scores(a, q, a.q().at(b, h, i), kt, mask, mask == null ? 0 : a.mask().at(b, h, i), s, end);
        float max = FloatMath.max(s, 0, end);
        double sum = FloatMath.expShiftSum(s, 0, s, 0, end, max);
        int oi = a.out().at(b, h, i);
        int dv = a.valueDim();
        java.util.Arrays.fill(out, oi, oi + dv, 0f);
        for (int j = 0; j < end; j++) {
            float p = s[j];
            int vj = a.v().at(b, h, j);
            for (int e = 0; e < dv; e++) {
                out[oi + e] += p * v[vj + e];
            }
        }
        float inv = (float) (1.0 / sum);
        for (int e = 0; e < dv; e++) {
            out[oi + e] *= inv;
        }
        lse[(b * a.heads() + h) * a.queries() + i] = (float) (max + Math.log(sum));
    }

    /**
     * Gradients from the saved {@code out} and {@code lse} and the output gradient {@code dOut}; {@code dq},
     * {@code dk}, {@code dv} are overwritten at their elements (they may be one buffer).
     */
    public static void backward(Attention a, float[] q, float[] k, float[] v, float[] mask, float[] out,
                                float[] lse, Attention.Operand dOutAt, float[] dOut, Attention.Operand dqAt,
                                float[] dq, Attention.Operand dkAt, float[] dk, Attention.Operand dvAt, float[] dv) {
        int matrices = a.batch() * a.heads();
        if (matrices == 0) {
            return;
        }
        Parallel.forRange(0, matrices, 1, (m0, m1) -> {
            int keys = a.keys();
            int d = a.headDim();
            int dvw = a.valueDim();
            float[] kt = buffer(KT, d * keys);
            float[] vt = buffer(VT, dvw * keys);
            float[] p = buffer(SCORES, keys);
            float[] dp = buffer(DP, keys);
            float[] dqRow = buffer(DQ, d);
            float[] dkAcc = buffer(DK, keys * d);
            float[] dvAcc = buffer(DV, keys * dvw);
            for (int mtx = m0; mtx < m1; mtx++) {
                int b = mtx / a.heads();
                int h = mtx % a.heads();
                transpose(k, a.k().at(b, h, 0), a.k().rowStride(), keys, d, kt);
                transpose(v, a.v().at(b, h, 0), a.v().rowStride(), keys, dvw, vt);
                java.util.Arrays.fill(dkAcc, 0, keys * d, 0f);
                java.util.Arrays.fill(dvAcc, 0, keys * dvw, 0f);
                for (int i = 0; i < a.queries(); i++) {
                    int end = keyEnd(a, i);
                    int qi = a.q().at(b, h, i);
                    int gi = dOutAt.at(b, h, i);
                    // P = exp(S - lse), recomputed
                    scores(a, q, qi, kt, mask, mask == null ? 0 : a.mask().at(b, h, i), p, end);
                    float l = lse[(b * a.heads() + h) * a.queries() + i];
                    for (int j = 0; j < end; j++) {
                        p[j] -= l;
                    }
                    FloatMath.exp(p, 0, p, end);
                    // rowsum(dOut * out), and dP = dOut V^T from the transposed V
                    int oi = a.out().at(b, h, i);
                    double rowDot = 0;
                    for (int e = 0; e < dvw; e++) {
                        rowDot += dOut[gi + e] * out[oi + e];
                    }
                    float di = (float) rowDot;
                    java.util.Arrays.fill(dp, 0, end, 0f);
                    for (int e = 0; e < dvw; e++) {
                        float g = dOut[gi + e];
                        int row = e * keys;
                        for (int j = 0; j < end; j++) {
                            dp[j] += g * vt[row + j];
                        }
                    }
                    // dS = P (dP - rowsum) scale; dQ_i = dS K; dK += dS^T q_i; dV += P^T dOut_i
                    float scale = a.scale();
                    java.util.Arrays.fill(dqRow, 0, d, 0f);
                    for (int j = 0; j < end; j++) {
                        float pj = p[j];
                        float ds = pj * (dp[j] - di) * scale;
                        int kj = a.k().at(b, h, j);
                        int dkj = j * d;
                        for (int e = 0; e < d; e++) {
                            dqRow[e] += ds * k[kj + e];
                            dkAcc[dkj + e] += ds * q[qi + e];
                        }
                        int dvj = j * dvw;
                        for (int e = 0; e < dvw; e++) {
                            dvAcc[dvj + e] += pj * dOut[gi + e];
                        }
                    }
                    System.arraycopy(dqRow, 0, dq, dqAt.at(b, h, i), d);
                }
                for (int j = 0; j < keys; j++) {
                    System.arraycopy(dkAcc, j * d, dk, dkAt.at(b, h, j), d);
                    System.arraycopy(dvAcc, j * dvw, dv, dvAt.at(b, h, j), dvw);
                }
            }
        });
    }
}

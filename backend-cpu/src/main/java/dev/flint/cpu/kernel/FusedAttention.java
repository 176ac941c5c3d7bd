package dev.flint.cpu.kernel;

import dev.flint.backend.Attention;
import dev.flint.cpu.gemm.Sgemm;
import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;

/**
 * Scaled dot-product attention, forward and backward, one (batch, head) matrix and one block of
 * 64 query rows at a time, as FlashAttention: only a block's (rows, keys) scores exist at
 * once, in a per-thread buffer; the forward pass keeps each row's log-sum-exp, the backward pass
 * recomputes the block's probabilities from it. Every product is a small {@link Sgemm} call on the
 * operands in place (their row strides are GEMM's leading dimensions, so the heads of a packed (B, T, 3C)
 * projection need no copy), and causal blocks stop at their last row's diagonal.
 *
 * <pre>{@code
 * FusedAttention.forward(a, q, k, v, mask, out, lse);                    // a: sizes and strides
 * FusedAttention.backward(a, q, k, v, mask, out, lse, dOutAt, dOut, dqAt, dq, dkAt, dk, dvAt, dv);
 * }</pre>
 *
 * <p>Per block: forward {@code S = scale Q K^T}, {@code P = softmax(S + M)} by rows, {@code O = P V};
 * backward {@code P = exp(S + M - lse)}, {@code dP = dO V^T}, {@code dS = P (dP - rowsum(dO O)) scale},
 * {@code dQ = dS K}, {@code dK += dS^T Q}, {@code dV += P^T dO}. Threads: the forward pass splits over
 * (matrix, block), the backward pass over matrices (dK and dV sum over the blocks, in block order);
 * blocks have a fixed size, so results do not depend on the thread count.
 */
public final class FusedAttention {
    /** Query rows per block: the unit of work, and of the per-thread score buffers. */
    static final int BLOCK = 64;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[2][]);

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

    /** Keys a block of rows ending before {@code i1} can see. */
    private static int blockKeys(Attention a, int i1) {
        return a.causal() ? Math.min(a.keys(), i1) : a.keys();
    }

    /** Keys row i sees: all, or up to the diagonal when causal. */
    private static int rowKeys(Attention a, int i) {
        return a.causal() ? Math.min(i + 1, a.keys()) : a.keys();
    }

    /**
     * {@code s (n, kEnd)} = {@code scale * Q[i0, i0 + n) K[0, kEnd)^T}, then the mask added and, when causal,
     * {@code -inf} right of each row's diagonal.
     */
    private static void scores(Attention a, int b, int h, int i0, int n, int kEnd, float[] q, float[] k,
                               float[] mask, float[] s) {
        Sgemm.gemm(false, true, n, kEnd, a.headDim(), a.scale(), q, a.q().at(b, h, i0), a.q().rowStride(), k,
                a.k().at(b, h, 0), a.k().rowStride(), 0f, s, 0, kEnd);
        for (int r = 0; r < n; r++) {
            int i = i0 + r;
            int off = r * kEnd;
            int end = rowKeys(a, i);
            if (mask != null) {
                int m = a.mask().at(b, h, i);
                for (int j = 0; j < end; j++) {
                    s[off + j] += mask[m + j];
                }
            }
            Arrays.fill(s, off + end, off + kEnd, Float.NEGATIVE_INFINITY);
        }
    }

    /** Writes {@code out} and {@code lse} ((batch, heads, queries), contiguous). */
    public static void forward(Attention a, float[] q, float[] k, float[] v, float[] mask, float[] out,
                               float[] lse) {
        int matrices = a.batch() * a.heads();
        int blocks = (a.queries() + BLOCK - 1) / BLOCK;
        if (matrices == 0 || blocks == 0) {
            return;
        }
        Parallel.forRange(0, matrices * blocks, 1, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int mtx = u / blocks;
                int b = mtx / a.heads();
                int h = mtx % a.heads();
                int i0 = (u % blocks) * BLOCK;
                int n = Math.min(BLOCK, a.queries() - i0);
                int kEnd = blockKeys(a, i0 + n);
                float[] p = buffer(0, n * kEnd);
                scores(a, b, h, i0, n, kEnd, q, k, mask, p);
                for (int r = 0; r < n; r++) {
                    int off = r * kEnd;
                    int end = rowKeys(a, i0 + r);
                    float max = FloatMath.max(p, off, end);
                    double sum = FloatMath.expShiftSum(p, off, p, off, end, max);
                    FloatMath.scale(p, off, end, (float) (1.0 / sum));
                    Arrays.fill(p, off + end, off + kEnd, 0f);
                    lse[(b * a.heads() + h) * a.queries() + i0 + r] = (float) (max + Math.log(sum));
                }
                Sgemm.gemm(false, false, n, a.valueDim(), kEnd, 1f, p, 0, kEnd, v, a.v().at(b, h, 0),
                        a.v().rowStride(), 0f, out, a.out().at(b, h, i0), a.out().rowStride());
            }
        });
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
        int d = a.headDim();
        int dvw = a.valueDim();
        float scale = a.scale();
        Parallel.forRange(0, matrices, 1, (m0, m1) -> {
            for (int mtx = m0; mtx < m1; mtx++) {
                int b = mtx / a.heads();
                int h = mtx % a.heads();
                for (int j = 0; j < a.keys(); j++) {
                    int kj = dkAt.at(b, h, j);
                    Arrays.fill(dk, kj, kj + d, 0f);
                    int vj = dvAt.at(b, h, j);
                    Arrays.fill(dv, vj, vj + dvw, 0f);
                }
                for (int i0 = 0; i0 < a.queries(); i0 += BLOCK) {
                    int n = Math.min(BLOCK, a.queries() - i0);
                    int kEnd = blockKeys(a, i0 + n);
                    float[] p = buffer(0, n * kEnd);
                    float[] ds = buffer(1, n * kEnd);
                    // P = exp(S - lse), 0 where masked
                    scores(a, b, h, i0, n, kEnd, q, k, mask, p);
                    for (int r = 0; r < n; r++) {
                        int off = r * kEnd;
                        float l = lse[(b * a.heads() + h) * a.queries() + i0 + r];
                        for (int j = 0; j < kEnd; j++) {
                            p[off + j] -= l;
                        }
                        FloatMath.exp(p, p, off, off + kEnd);
                    }
                    // dP = dO V^T, then dS = P (dP - rowsum(dO O)) scale in place
                    int g0 = dOutAt.at(b, h, i0);
                    Sgemm.gemm(false, true, n, kEnd, dvw, 1f, dOut, g0, dOutAt.rowStride(), v, a.v().at(b, h, 0),
                            a.v().rowStride(), 0f, ds, 0, kEnd);
                    for (int r = 0; r < n; r++) {
                        int gi = dOutAt.at(b, h, i0 + r);
                        int oi = a.out().at(b, h, i0 + r);
                        double rowDot = 0;
                        for (int e = 0; e < dvw; e++) {
                            rowDot += dOut[gi + e] * out[oi + e];
                        }
                        float di = (float) rowDot;
                        int off = r * kEnd;
                        for (int j = 0; j < kEnd; j++) {
                            ds[off + j] = p[off + j] * (ds[off + j] - di) * scale;
                        }
                    }
                    // dQ = dS K; dK += dS^T Q; dV += P^T dO
                    Sgemm.gemm(false, false, n, d, kEnd, 1f, ds, 0, kEnd, k, a.k().at(b, h, 0), a.k().rowStride(),
                            0f, dq, dqAt.at(b, h, i0), dqAt.rowStride());
                    Sgemm.gemm(true, false, kEnd, d, n, 1f, ds, 0, kEnd, q, a.q().at(b, h, i0), a.q().rowStride(),
                            1f, dk, dkAt.at(b, h, 0), dkAt.rowStride());
                    Sgemm.gemm(true, false, kEnd, dvw, n, 1f, p, 0, kEnd, dOut, g0, dOutAt.rowStride(), 1f, dv,
                            dvAt.at(b, h, 0), dvAt.rowStride());
                }
            }
        });
    }
}

package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import java.util.Arrays;

/**
 * Matrix products through the backend's GEMM. A transposed operand is passed to GEMM as a flag, never
 * copied, and its gradient is computed in its own stored layout. Leading (batch) dimensions broadcast
 * as NumPy's {@code matmul} does; the batch becomes GEMM batch strides (0 for a broadcast operand), so
 * no operand is copied to line the batches up.
 */
final class LinalgOps {
    private LinalgOps() {
    }

    /**
     * {@code op(a) op(b)}, where {@code op(x)} is {@code x} or, when its flag is set, {@code x} with its
     * last two dimensions swapped. Both operands have rank >= 2; their leading dimensions broadcast:
     * (B, H, T, D) x (B, H, D, T), (1, H, T, D) x (B, H, D, T), (B, T, C) x (C, N).
     */
    static Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) {
        Checks.floats("matmul", a, b);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("matmul: expected operands of rank >= 2 (matrices, or batches of them),"
                    + " got shapes " + a.shape() + " and " + b.shape());
        }
        if (a.rank() > 2 && b.rank() == 2 && !ta) {
            // (..., m, k) is one contiguous (rows, k) matrix: one GEMM, and one for each gradient.
            int[] lead = Arrays.copyOf(a.shape().dims(), a.rank() - 1);
            int rows = a.size() / Math.max(1, a.shape().dim(-1));
            Tensor flat = a.reshape(rows, a.shape().dim(-1));
            Tensor y = product(flat, b, false, tb);
            int[] dims = Arrays.copyOf(lead, a.rank());
            dims[a.rank() - 1] = y.shape().dim(1);
            return y.reshape(dims);
        }
        return product(a, b, ta, tb);
    }

    /**
     * {@code x w^T + bias} for x (..., in), w (out, in), bias (out) or null: PyTorch's {@code linear},
     * one GEMM with w passed transposed.
     */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor y = matmul(x, w, false, true);
        return bias == null ? y : y.add(bias);
    }

    /** The last two dimensions of x as stored: {rows, cols}. */
    private static int[] matrix(Tensor x) {
        return new int[] {x.shape().dim(-2), x.shape().dim(-1)};
    }

    /** C = op(A) op(B) over the broadcast batch dimensions. */
    private static Tensor product(Tensor a, Tensor b, boolean ta, boolean tb) {
        int[] ma = matrix(a);
        int[] mb = matrix(b);
        int m = ta ? ma[1] : ma[0];
        int k = ta ? ma[0] : ma[1];
        int kb = tb ? mb[1] : mb[0];
        int n = tb ? mb[0] : mb[1];
        if (k != kb) {
            throw new IllegalArgumentException("matmul: shapes " + a.shape() + (ta ? "^T" : "") + " and " + b.shape()
                    + (tb ? "^T" : "") + " do not align (" + k + " != " + kb + ")");
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.shape().dims(), a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.shape().dims(), b.rank() - 2));
        Shape batch;
        try {
            batch = Shape.broadcast("matmul", batchA, batchB);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: the batch dimensions of " + a.shape() + " and " + b.shape()
                    + " cannot be broadcast (" + batchA + " vs " + batchB + ")", e);
        }
        Backend be = a.backend();
        int[] outDims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        outDims[batch.rank()] = m;
        outDims[batch.rank() + 1] = n;
        Tensor c = Tensor.empty(be, Shape.of(outDims), DType.FLOAT32);
        int[] sa = batchStrides(batchA, batch, m * k);
        int[] sb = batchStrides(batchB, batch, k * n);
        int[] sc = batchStrides(batch, batch, m * n);
        int[] dims = batch.dims();
        batched(be, dims, Gemm.of(m, n, k), a, sa, ta, b, sb, tb, c, sc);
        // With C = op(A) op(B): d op(A) = G op(B)^T and d op(B) = op(A)^T G. A transposed operand gets
        // the transpose of that, d(A) = op(B) G^T and d(B) = G^T op(A): each one GEMM in the stored layout.
        // A broadcast operand's gradient is formed over the whole batch and summed back by the engine.
        return Tensor.record(c, "matmul", Tensor.saves(a, b), g -> {
            Tensor da = null;
            Tensor db = null;
            if (a.requiresGrad()) {
                int[] daDims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
                daDims[batch.rank()] = ma[0];
                daDims[batch.rank() + 1] = ma[1];
                da = Tensor.empty(be, Shape.of(daDims), DType.FLOAT32);
                int[] sda = batchStrides(batch, batch, m * k);
                if (ta) {
                    batched(be, dims, Gemm.of(k, m, n), b, sb, tb, g, sc, true, da, sda);
                } else {
                    batched(be, dims, Gemm.of(m, k, n), g, sc, false, b, sb, !tb, da, sda);
                }
            }
            if (b.requiresGrad()) {
                int[] dbDims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
                dbDims[batch.rank()] = mb[0];
                dbDims[batch.rank() + 1] = mb[1];
                db = Tensor.empty(be, Shape.of(dbDims), DType.FLOAT32);
                int[] sdb = batchStrides(batch, batch, k * n);
                if (tb) {
                    batched(be, dims, Gemm.of(n, k, m), g, sc, true, a, sa, ta, db, sdb);
                } else {
                    batched(be, dims, Gemm.of(k, n, m), a, sa, !ta, g, sc, false, db, sdb);
                }
            }
            return new Tensor[] {da, db};
        }, a, b);
    }

    /** Strides of {@code own}'s matrices read over the batch {@code out} (0 where broadcast). */
    private static int[] batchStrides(Shape own, Shape out, int matrixSize) {
        int[] s = own.broadcastStrides(out);
        for (int i = 0; i < s.length; i++) {
            s[i] *= matrixSize;
        }
        return s;
    }

    /**
     * One batched GEMM per index of the outer batch dimensions: the innermost dimensions are merged into
     * GEMM's batch as long as every operand's matrices stay evenly spaced (a broadcast operand's stride
     * stays 0), so equal batches, and a broadcast over the inner dimensions, take a single call.
     */
    private static void batched(Backend be, int[] dims, Gemm.Builder shape, Tensor a, int[] sa, boolean ta,
                                Tensor b, int[] sb, boolean tb, Tensor c, int[] sc) {
        int r = dims.length;
        int inner = 1;
        int ia = 0;
        int ib = 0;
        int ic = 0;
        int d = r - 1;
        boolean first = true;
        for (; d >= 0; d--) {
            if (dims[d] == 1) {
                continue;
            }
            if (first) {
                inner = dims[d];
                ia = sa[d];
                ib = sb[d];
                ic = sc[d];
                first = false;
            } else if (sa[d] == ia * inner && sb[d] == ib * inner && sc[d] == ic * inner) {
                inner *= dims[d];
            } else {
                break;
            }
        }
        int outerRank = d + 1;
        int outer = 1;
        for (int i = 0; i < outerRank; i++) {
            outer *= dims[i];
        }
        if (outer == 0 || inner == 0) {
            return;
        }
        int[] idx = new int[outerRank];
        for (int p = 0; p < outer; p++) {
            int oa = 0;
            int ob = 0;
            int oc = 0;
            for (int i = 0; i < outerRank; i++) {
                oa += idx[i] * sa[i];
                ob += idx[i] * sb[i];
                oc += idx[i] * sc[i];
            }
            be.gemm(shape.a(a.storage(), oa, ia, ta).b(b.storage(), ob, ib, tb).batch(inner)
                    .into(c.storage(), oc, ic));
            for (int i = outerRank - 1; i >= 0; i--) {
                if (++idx[i] < dims[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
    }
}

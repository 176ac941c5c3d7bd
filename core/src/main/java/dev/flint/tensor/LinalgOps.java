package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;

/**
 * Matrix products through the backend's GEMM. A transposed operand is passed to GEMM as a flag, never
 * copied, and its gradient is computed in its own stored layout.
 */
final class LinalgOps {
    private LinalgOps() {
    }

    /**
     * {@code op(a) op(b)}, where {@code op(x)} is {@code x} or, when its flag is set, {@code x} with its
     * last two dimensions swapped. 2-D x 2-D, 3-D x 3-D (one product per batch entry) and 3-D x 2-D
     * (one matrix applied to every batch entry).
     */
    static Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) {
        Checks.floats("matmul", a, b);
        if (a.rank() == 2 && b.rank() == 2) {
            return product(a, b, ta, tb, 1, false);
        }
        if (a.rank() == 3 && b.rank() == 3) {
            if (a.shape().dim(0) != b.shape().dim(0)) {
                throw new IllegalArgumentException("matmul: batch sizes of " + a.shape() + " and " + b.shape()
                        + " differ (" + a.shape().dim(0) + " != " + b.shape().dim(0) + ")");
            }
            return product(a, b, ta, tb, a.shape().dim(0), true);
        }
        if (a.rank() == 3 && b.rank() == 2) {
            // (batch, m, k) is one contiguous (batch * m, k) matrix; transposed entries are not.
            Tensor stacked = ta ? a.transpose(1, 2) : a;
            int batch = stacked.shape().dim(0);
            int m = stacked.shape().dim(1);
            Tensor flat = stacked.reshape(batch * m, stacked.shape().dim(2));
            Tensor y = product(flat, b, false, tb, 1, false);
            return y.reshape(batch, m, y.shape().dim(1));
        }
        throw new IllegalArgumentException("matmul: expected 2-D x 2-D, 3-D x 3-D or 3-D x 2-D, got shapes "
                + a.shape() + " and " + b.shape());
    }

    /**
     * {@code x w^T + bias} for x (..., in), w (out, in), bias (out) or null: PyTorch's {@code linear},
     * one GEMM with w passed transposed.
     */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor y = matmul(x, w, false, true);
        return bias == null ? y : y.add(bias);
    }

    /** C = op(A) op(B), one product or {@code batch} of them (A and B then 3-D with a leading batch axis). */
    private static Tensor product(Tensor a, Tensor b, boolean ta, boolean tb, int batch, boolean batched) {
        int r = a.rank();
        int m = a.shape().dim(ta ? r - 1 : r - 2);
        int k = a.shape().dim(ta ? r - 2 : r - 1);
        int kb = b.shape().dim(tb ? r - 1 : r - 2);
        int n = b.shape().dim(tb ? r - 2 : r - 1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: shapes " + a.shape() + (ta ? "^T" : "") + " and " + b.shape()
                    + (tb ? "^T" : "") + " do not align (" + k + " != " + kb + ")");
        }
        Backend be = a.backend();
        int sa = batched ? m * k : 0;
        int sb = batched ? k * n : 0;
        int sc = batched ? m * n : 0;
        Tensor c = Tensor.empty(be, batched ? Shape.of(batch, m, n) : Shape.of(m, n), DType.FLOAT32);
        be.gemm(Gemm.of(m, n, k).a(a.storage(), 0, sa, ta).b(b.storage(), 0, sb, tb).batch(batch).into(c.storage(), 0, sc));
        // With C = op(A) op(B): d op(A) = G op(B)^T and d op(B) = op(A)^T G. A transposed operand gets
        // the transpose of that, d(A) = op(B) G^T and d(B) = G^T op(A): each one GEMM in the stored layout.
        return Tensor.record(c, "matmul", Tensor.saves(a, b), g -> {
            Tensor da = null;
            Tensor db = null;
            if (a.requiresGrad()) {
                da = Tensor.empty(be, a.shape(), DType.FLOAT32);
                Gemm gemm = ta
                        ? Gemm.of(k, m, n).a(b.storage(), 0, sb, tb).b(g.storage(), 0, sc, true).batch(batch)
                                .into(da.storage(), 0, sa)
                        : Gemm.of(m, k, n).a(g.storage(), 0, sc, false).b(b.storage(), 0, sb, !tb).batch(batch)
                                .into(da.storage(), 0, sa);
                be.gemm(gemm);
            }
            if (b.requiresGrad()) {
                db = Tensor.empty(be, b.shape(), DType.FLOAT32);
                Gemm gemm = tb
                        ? Gemm.of(n, k, m).a(g.storage(), 0, sc, true).b(a.storage(), 0, sa, ta).batch(batch)
                                .into(db.storage(), 0, sb)
                        : Gemm.of(k, n, m).a(a.storage(), 0, sa, !ta).b(g.storage(), 0, sc, false).batch(batch)
                                .into(db.storage(), 0, sb);
                be.gemm(gemm);
            }
            return new Tensor[] {da, db};
        }, a, b);
    }
}

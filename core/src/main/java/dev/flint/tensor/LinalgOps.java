package dev.flint.tensor;

import dev.flint.backend.Backend;

/** Matrix products through the backend's GEMM, transposes passed as flags (never copied). */
final class LinalgOps {
    private LinalgOps() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        Checks.floats("matmul", a, b);
        if (a.rank() == 3 && b.rank() == 2) {
            // One matrix for every batch entry: (b, m, k) is a contiguous (b*m, k) matrix.
            int batch = a.shape().dim(0);
            int m = a.shape().dim(1);
            Tensor flat = a.reshape(batch * m, a.shape().dim(2));
            checkInner(a, b, a.shape().dim(2), b.shape().dim(0));
            return matmul(flat, b).reshape(batch, m, b.shape().dim(1));
        }
        if (a.rank() == 2 && b.rank() == 2) {
            checkInner(a, b, a.shape().dim(1), b.shape().dim(0));
            return product2d(a, b);
        }
        if (a.rank() == 3 && b.rank() == 3) {
            checkInner(a, b, a.shape().dim(2), b.shape().dim(1));
            if (a.shape().dim(0) != b.shape().dim(0)) {
                throw new IllegalArgumentException("matmul: batch sizes of " + a.shape() + " and " + b.shape()
                        + " differ (" + a.shape().dim(0) + " != " + b.shape().dim(0) + ")");
            }
            return product(a, b, a.shape().dim(0), a.shape().dim(1), a.shape().dim(2), b.shape().dim(2));
        }
        throw new IllegalArgumentException("matmul: expected 2-D x 2-D, 3-D x 3-D or 3-D x 2-D, got shapes "
                + a.shape() + " and " + b.shape());
    }

    private static void checkInner(Tensor a, Tensor b, int ka, int kb) {
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: shapes " + a.shape() + " and " + b.shape() + " do not align ("
                    + ka + " != " + kb + ")");
        }
    }

    /**
     * C (m, n) = A (m, k) B (k, n), where either operand may be a lazy transpose: then its source
     * (stored transposed) goes to GEMM with a transpose flag, and the graph records the source as the
     * input, so its gradient is computed in its own layout without any copy.
     */
    private static Tensor product2d(Tensor a, Tensor b) {
        Backend be = a.backend();
        Tensor sa = a.transposeSource();
        Tensor sb = b.transposeSource();
        boolean ta = sa != null;
        boolean tb = sb != null;
        Tensor aStored = ta ? sa : a;   // (m, k), or (k, m) when ta
        Tensor bStored = tb ? sb : b;   // (k, n), or (n, k) when tb
        int m = a.shape().dim(0);
        int k = a.shape().dim(1);
        int n = b.shape().dim(1);
        Tensor c = Tensor.empty(be, Shape.of(m, n), DType.FLOAT32);
        be.gemm(ta, tb, 1, m, n, k, 1f, aStored.storage(), 0, 0, bStored.storage(), 0, 0, 0f, c.storage(), 0, 0);
        // dA = G B^T, dB = A^T G; for a transposed operand the source gets the transpose of that:
        // d(A^T) = B G^T and d(B^T) = G^T A, each one GEMM in the source's own layout.
        return Tensor.record(c, "matmul", g -> {
            Tensor da = null;
            Tensor db = null;
            if (aStored.requiresGrad()) {
                da = Tensor.empty(be, aStored.shape(), DType.FLOAT32);
                if (ta) {
                    be.gemm(tb, true, 1, k, m, n, 1f, bStored.storage(), 0, 0, g.storage(), 0, 0, 0f, da.storage(), 0, 0);
                } else {
                    be.gemm(false, !tb, 1, m, k, n, 1f, g.storage(), 0, 0, bStored.storage(), 0, 0, 0f, da.storage(), 0, 0);
                }
            }
            if (bStored.requiresGrad()) {
                db = Tensor.empty(be, bStored.shape(), DType.FLOAT32);
                if (tb) {
                    be.gemm(true, ta, 1, n, k, m, 1f, g.storage(), 0, 0, aStored.storage(), 0, 0, 0f, db.storage(), 0, 0);
                } else {
                    be.gemm(!ta, false, 1, k, n, m, 1f, aStored.storage(), 0, 0, g.storage(), 0, 0, 0f, db.storage(), 0, 0);
                }
            }
            return new Tensor[] {da, db};
        }, aStored, bStored);
    }

    /** C (batch, m, n) = A (batch, m, k) B (batch, k, n). */
    private static Tensor product(Tensor a, Tensor b, int batch, int m, int k, int n) {
        Backend be = a.backend();
        Shape outShape = Shape.of(batch, m, n);
        Tensor c = Tensor.empty(be, outShape, DType.FLOAT32);
        be.gemm(false, false, batch, m, n, k, 1f, a.storage(), 0, m * k, b.storage(), 0, k * n,
                0f, c.storage(), 0, m * n);
        // dA = g B^T (m x n . n x k), dB = A^T g (k x m . m x n)
        return Tensor.record(c, "matmul", g -> {
            Tensor da = null;
            Tensor db = null;
            if (a.requiresGrad()) {
                da = Tensor.empty(be, a.shape(), DType.FLOAT32);
                be.gemm(false, true, batch, m, k, n, 1f, g.storage(), 0, m * n, b.storage(), 0, k * n,
                        0f, da.storage(), 0, m * k);
            }
            if (b.requiresGrad()) {
                db = Tensor.empty(be, b.shape(), DType.FLOAT32);
                be.gemm(true, false, batch, k, n, m, 1f, a.storage(), 0, m * k, g.storage(), 0, m * n,
                        0f, db.storage(), 0, k * n);
            }
            return new Tensor[] {da, db};
        }, a, b);
    }
}

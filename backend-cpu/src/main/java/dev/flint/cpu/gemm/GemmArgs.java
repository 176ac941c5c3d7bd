package dev.flint.cpu.gemm;

/**
 * One validated GEMM call, shared read-only by the threads that compute its output blocks. Element
 * (i, p) of op(A) is {@code a[aOff + i * lda + p]}, or {@code a[aOff + p * lda + i]} when transA;
 * likewise for op(B) with ldb and transB; C[i, j] is {@code c[cOff + i * ldc + j]}, or
 * {@code c[cOff + j * ldc + i]} when transC (a call computed as its transpose, see {@link #swapped}).
 */
record GemmArgs(boolean transA, boolean transB, int m, int n, int k, float alpha,
                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float beta, float[] c, int cOff, int ldc, boolean transC) {

    /**
     * The same product as {@code C^T = op(B)^T op(A)^T}: A and B trade places (and transposes), m and
     * n swap, and C is written transposed. Every element is the same chain of fmas over k (the two
     * factors of each product swap, which does not change a bit), so a kernel may compute either.
     */
    GemmArgs swapped() {
        return new GemmArgs(!transB, !transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc,
                !transC);
    }

    /** The flat index of C[i, j]. */
    int cIndex(int i, int j) {
        return transC ? cOff + j * ldc + i : cOff + i * ldc + j;
    }
}

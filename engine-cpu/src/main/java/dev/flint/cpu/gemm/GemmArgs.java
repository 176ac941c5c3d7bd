package dev.flint.cpu.gemm;

/**
 * One validated GEMM call, shared read-only by the threads that compute its output blocks.
 * Element (i, p) of op(A) is {@code a[aOff + i * aRow + p * aCol]}; likewise for op(B).
 */
record GemmArgs(boolean transA, boolean transB, int m, int n, int k, float alpha,
                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float beta, float[] c, int cOff, int ldc) {
}

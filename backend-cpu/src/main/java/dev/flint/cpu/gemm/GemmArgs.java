package dev.flint.cpu.gemm;

/**
 * One validated GEMM call, shared read-only by the threads that compute its output blocks. Element
 * (i, p) of op(A) is {@code a[aOff + i * lda + p]}, or {@code a[aOff + p * lda + i]} when transA;
 * likewise for op(B) with ldb and transB; C[i, j] is {@code c[cOff + i * ldc + j]}.
 */
record GemmArgs(boolean transA, boolean transB, int m, int n, int k, float alpha,
                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float beta, float[] c, int cOff, int ldc) {
}

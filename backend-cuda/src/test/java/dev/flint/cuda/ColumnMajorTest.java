package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The row-major to column-major mapping of CudaBackend's GEMM, checked without a GPU: the cuBLAS call it
 * plans, executed by a column-major SGEMM written here with BLAS semantics, gives the row-major product.
 */
class ColumnMajorTest {

    /** BLAS sgemm, column-major: C = alpha op(A) op(B) + beta C, element (i, j) of X at X[off + i + j * ld]. */
    private static void columnMajorSgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                                         float[] c, int cOff, int ldc) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p + i * lda] : a[aOff + i + p * lda];
                    float bv = transB ? b[bOff + j + p * ldb] : b[bOff + p + j * ldb];
                    acc += (double) av * bv;
                }
                int at = cOff + i + j * ldc;
                c[at] = (float) (alpha * acc + (beta == 0 ? 0 : beta * c[at]));
            }
        }
    }

    @Test
    void plannedCallComputesTheRowMajorProduct() {
        Random rnd = new Random(5);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int[] mnk : new int[][] {{1, 1, 1}, {3, 5, 7}, {1, 9, 4}, {6, 1, 3}, {5, 7, 1}, {17, 13, 11}}) {
                    int m = mnk[0];
                    int n = mnk[1];
                    int k = mnk[2];
                    float[] a = new float[m * k + 3];
                    float[] b = new float[k * n + 2];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = rnd.nextFloat() - 0.5f;
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = rnd.nextFloat() - 0.5f;
                    }
                    int aOff = 3;
                    int bOff = 2;
                    a = java.util.Arrays.copyOf(a, a.length + aOff);
                    System.arraycopy(a, 0, a, aOff, a.length - aOff);
                    b = java.util.Arrays.copyOf(b, b.length + bOff);
                    System.arraycopy(b, 0, b, bOff, b.length - bOff);

                    // Row-major reference: A stored m x k (k x m when ta), B stored k x n (n x k when tb).
                    float[] want = new float[m * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double acc = 0;
                            for (int p = 0; p < k; p++) {
                                float av = ta ? a[aOff + p * m + i] : a[aOff + i * k + p];
                                float bv = tb ? b[bOff + j * k + p] : b[bOff + p * n + j];
                                acc += (double) av * bv;
                            }
                            want[i * n + j] = (float) acc;
                        }
                    }
                    CudaBackend.ColumnMajor cm = CudaBackend.ColumnMajor.of(ta, tb, m, n, k);
                    float[] got = new float[m * n];
                    java.util.Arrays.fill(got, Float.NaN);                   // beta == 0 must ignore C
                    columnMajorSgemm(cm.transFirst(), cm.transSecond(), cm.m(), cm.n(), cm.k(), 1f, b, bOff,
                            cm.ldFirst(), a, aOff, cm.ldSecond(), 0f, got, 0, cm.ldc());
                    assertArrayEquals(want, got, 1e-6f, "transA=" + ta + " transB=" + tb + " m=" + m + " n=" + n
                            + " k=" + k + " " + cm);
                }
            }
        }
    }
}

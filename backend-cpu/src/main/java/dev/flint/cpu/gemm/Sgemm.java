package dev.flint.cpu.gemm;

import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Row-major single-precision GEMM: {@code C = alpha * op(A) * op(B) + beta * C}.
 *
 * <pre>{@code
 * // C (2 x 2) = A (2 x 3) * B (3 x 2)
 * Sgemm.gemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2);
 * }</pre>
 *
 * <p>Two kernels sit behind it, chosen once per JVM and logged in one line: a Vector API kernel
 * (register-blocked fma micro-kernel, several times faster) when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}, else a plain-Java kernel that C2 auto-vectorizes.
 * {@code -Dflint.cpu.vector=false} forces the plain one. Small calls (under the kernel's
 * {@link Kernel#parallelMinWork()} multiply-adds, as {@link Kernel#work} counts them) run on the calling thread.
 *
 * <p>The work is split over {@link Parallel} by output blocks only (never along k), and the
 * summation order of every element of C is fixed by k alone, so results are bitwise identical for
 * any thread count. Large products split by rows deal their rows to the threads as they come
 * ({@link Kernel#sharedRows}), so that a thread on a slower core takes fewer. The two kernels round
 * differently (fma against separate multiply and add), so their results agree to rounding, not bit
 * for bit.
 */
public final class Sgemm {

    private Sgemm() {
    }

    /**
     * Row-major {@code C = alpha * op(A) * op(B) + beta * C}. op(A) is m x k: A is stored m x k with
     * row stride lda (or k x m when transA); op(B) is k x n: B stored k x n with row stride ldb (n x k
     * when transB); C is m x n with row stride ldc. {@code beta == 0} ignores C's old contents (even
     * NaN). Multi-threaded through {@link Parallel} (a call from inside a parallel region runs on the
     * calling thread only). Thread-safe; reuses per-thread packing buffers.
     *
     * <pre>{@code
     * // y (4 x 10) = x (4 x 128) * w^T, with w stored 10 x 128
     * Sgemm.gemm(false, true, 4, 10, 128, 1f, x, 0, 128, w, 0, 128, 0f, y, 0, 10);
     * }</pre>
     *
     * @param a not modified
     * @param b not modified
     * @param c modified in its m x n window only (padding between rows is left alone); must not
     *          overlap {@code a} or {@code b}
     * @throws IllegalArgumentException when a size, stride or offset does not fit its array
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        gemm(VectorSupport.kernel(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** {@link #gemm} on a chosen kernel; tests use it to run both paths in one JVM. */
    static void gemm(Kernel kernel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        checkOperand("A", transA ? k : m, transA ? m : k, transA, a, aOff, lda, "lda");
        checkOperand("B", transB ? n : k, transB ? k : n, transB, b, bOff, ldb, "ldb");
        checkOperand("C", m, n, false, c, cOff, ldc, "ldc");
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        GemmArgs call = new GemmArgs(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                false);
        // inside a parallel region (a batch of products split by matrix) the call runs on its thread alone
        int threads = kernel.work(m, n, k) < kernel.parallelMinWork() || Parallel.inside() ? 1 : Parallel.threads();
        // a swapped call computes every element with the same bits, so the choice may depend on the
        // thread count
        run(kernel, kernel.swapsOperands(call, threads) ? call.swapped() : call, threads);
    }

    /** Splits one validated call into output blocks over the threads. */
    private static void run(Kernel kernel, GemmArgs g, int threads) {
        int m = g.m();
        int n = g.n();
        if (threads == 1) {
            kernel.compute(g, 0, m, 0, n);
            return;
        }
        // Each thread gets whole output blocks, so no two threads ever write the same element and
        // per-element arithmetic does not depend on the split. Splitting columns makes every thread
        // pack all of A, splitting rows all of B: the kernel's preference when that side gives every
        // thread several blocks, else columns when they do, else whichever side has more blocks;
        // columns whatever the counts where the kernel says a row split would copy more.
        int colAlign = kernel.columnAlign();
        int colUnits = (n + colAlign - 1) / colAlign;
        int rowAlign = kernel.rowAlign();
        int rowUnits = (m + rowAlign - 1) / rowAlign;
        boolean rows = kernel.prefersRowSplit(g, threads) ? rowUnits >= 4 * threads || rowUnits > colUnits
                : !kernel.splitsColumns(g, threads) && colUnits < 4 * threads && rowUnits > colUnits;
        if (!rows) {
            int dealt = kernel.dealtColumns(g, threads);
            if (dealt > 0) {
                // one chunk per thread; each takes column blocks as it comes (a slower core takes fewer)
                int blocks = (n + dealt - 1) / dealt;
                AtomicInteger next = new AtomicInteger();
                Parallel.forRange(0, threads, 1, (t0, t1) -> {
                    for (int b = next.getAndIncrement(); b < blocks; b = next.getAndIncrement()) {
                        kernel.compute(g, 0, m, b * dealt, Math.min(n, (b + 1) * dealt));
                    }
                });
                return;
            }
            // the direction is chosen on whole panels, the boundaries on the kernel's finer split unit
            int splitAlign = kernel.columnSplitAlign();
            int splitUnits = (n + splitAlign - 1) / splitAlign;
            Parallel.forRange(0, splitUnits, Math.max(1, splitUnits / threads), (u0, u1) ->
                    kernel.compute(g, 0, m, u0 * splitAlign, Math.min(n, u1 * splitAlign)));
        } else {
            Parallel.RangeBody shared = kernel.sharedRows(g, threads);
            if (shared != null) {
                // one chunk per thread; each takes rows as it comes (a slower core takes fewer)
                Parallel.forRange(0, threads, 1, shared);
            } else {
                Parallel.forRange(0, rowUnits, Math.max(1, rowUnits / threads), (u0, u1) ->
                        kernel.compute(g, u0 * rowAlign, Math.min(m, u1 * rowAlign), 0, n));
            }
        }
    }

    private static void checkOperand(String name, int rows, int cols, boolean trans, float[] x, int off,
                                     int ld, String ldName) {
        // The shape text is built only on failure: built on every call it was 2% of a GPT training step.
        if (x == null) {
            throw new IllegalArgumentException("gemm: " + shape(name, rows, cols, trans) + " array is null");
        }
        if (off < 0) {
            throw new IllegalArgumentException("gemm: " + name + " offset must be >= 0, got " + off);
        }
        if (rows == 0 || cols == 0) {
            // an empty operand is never read, whatever its stride says
            return;
        }
        if (ld < cols) {
            throw new IllegalArgumentException("gemm: " + ldName + " must be >= " + cols + " for "
                    + shape(name, rows, cols, trans) + ", got " + ld);
        }
        long last = off + (long) (rows - 1) * ld + cols - 1;
        if (last >= x.length) {
            throw new IllegalArgumentException("gemm: " + shape(name, rows, cols, trans) + " at offset " + off
                    + " with " + ldName + "=" + ld + " needs " + (last + 1) + " elements, array has " + x.length);
        }
    }

    private static String shape(String name, int rows, int cols, boolean trans) {
        return name + " (stored " + rows + " x " + cols + (trans ? ", transposed" : "") + ")";
    }

    /** C = beta * C, where beta == 0 writes zeros even over NaN. */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }
}

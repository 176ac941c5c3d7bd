package dev.flint.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flint.cpu.parallel.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kernel against a float64 triple loop, over awkward shapes, strides, offsets and scalars. */
class SgemmTest {

    /** The plain kernel always, the Vector API kernel when this JVM can run it. */
    static Stream<Kernel> kernels() {
        List<Kernel> list = new ArrayList<>();
        list.add(PlainKernel.INSTANCE);
        Kernel vector = VectorSupport.vectorKernelIfAvailable();
        if (vector != null) {
            list.add(vector);
        }
        return list.stream();
    }

    /** The Vector API kernel; the test is skipped, with the reason, where this JVM cannot run it. */
    private static Kernel vectorKernelOrSkip() {
        Kernel vector = VectorSupport.vectorKernelIfAvailable();
        org.junit.jupiter.api.Assumptions.assumeTrue(vector != null, "no Vector API kernel in this JVM");
        return vector;
    }

    /** One call's inputs, laid out with padding and offsets so that strides are really exercised. */
    private record Case(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                        int padA, int padB, int padC, int offA, int offB, int offC) {

        int lda() {
            return Math.max(1, (transA ? m : k) + padA);
        }

        int ldb() {
            return Math.max(1, (transB ? k : n) + padB);
        }

        int ldc() {
            return Math.max(1, n + padC);
        }

        float[] a(long seed) {
            return random(offA + (transA ? k : m) * lda() + 3, seed);
        }

        float[] b(long seed) {
            return random(offB + (transB ? n : k) * ldb() + 3, seed);
        }

        float[] c(long seed) {
            return random(offC + m * ldc() + 3, seed);
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                    + " alpha=" + alpha + " beta=" + beta + " pads=" + padA + "/" + padB + "/" + padC
                    + " offs=" + offA + "/" + offB + "/" + offC;
        }
    }

    static float[] random(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** C = alpha * op(A) op(B) + beta * C in float64, the same memory layout as the kernel sees. */
    static double[] reference(Case t, float[] a, float[] b, float[] c) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i];
        }
        for (int i = 0; i < t.m; i++) {
            for (int j = 0; j < t.n; j++) {
                double sum = 0;
                for (int p = 0; p < t.k; p++) {
                    double av = t.transA ? a[t.offA + p * t.lda() + i] : a[t.offA + i * t.lda() + p];
                    double bv = t.transB ? b[t.offB + j * t.ldb() + p] : b[t.offB + p * t.ldb() + j];
                    sum += av * bv;
                }
                int idx = t.offC + i * t.ldc() + j;
                double old = t.beta == 0f ? 0 : t.beta * (double) c[idx];
                out[idx] = t.alpha * sum + old;
            }
        }
        return out;
    }

    private static void check(Kernel kernel, Case t) {
        float[] a = t.a(1);
        float[] b = t.b(2);
        float[] c = t.c(3);
        if (t.beta == 0f && c.length > 0) {
            // beta == 0 must ignore whatever C held, NaN included
            for (int i = 0; i < c.length; i += 2) {
                c[i] = Float.NaN;
            }
        }
        double[] want = reference(t, a, b, c);
        Sgemm.gemm(kernel, t.transA, t.transB, t.m, t.n, t.k, t.alpha, a, t.offA, t.lda(), b, t.offB, t.ldb(),
                t.beta, c, t.offC, t.ldc());
        double maxAbs = 1e-30;
        for (int i = 0; i < t.m; i++) {
            for (int j = 0; j < t.n; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(want[t.offC + i * t.ldc() + j]));
            }
        }
        double tol = 1e-6 * Math.max(1, t.k) * maxAbs + 1e-6;
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - t.offC;
            boolean inside = rel >= 0 && rel / t.ldc() < t.m && rel % t.ldc() < t.n;
            if (!inside) {
                // outside the m x n window nothing may change, bit for bit (NaN stays NaN)
                if (Float.floatToRawIntBits((float) want[idx]) != Float.floatToRawIntBits(c[idx])) {
                    fail(kernel.name() + " " + t + ": wrote outside C's window at index " + idx);
                }
                continue;
            }
            double err = Math.abs(c[idx] - want[idx]);
            if (!(err <= tol)) {
                fail(kernel.name() + " " + t + ": C[" + rel / t.ldc() + ", " + rel % t.ldc() + "] = " + c[idx]
                        + ", expected " + want[idx] + " (error " + err + " > " + tol + ")");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void shapesAndTransposes(Kernel kernel) {
        int[][] shapes = {
            {1, 1, 1}, {1, 1, 7}, {1, 9, 1}, {5, 1, 1}, {2, 3, 4}, {37, 53, 71}, {53, 37, 71}, {71, 37, 53},
            {6, 32, 16}, {12, 64, 33}, {7, 33, 17}, {5, 31, 9}, {13, 47, 258}, {48, 96, 256}, {49, 97, 257},
            {128, 10, 64}, {10, 128, 25}, {3, 700, 5}, {700, 3, 5}, {1, 513, 300}, {200, 1, 300}, {4, 50, 784},
            {8, 40, 129}, {9, 40, 129},
        };
        for (int[] s : shapes) {
            for (int tr = 0; tr < 4; tr++) {
                check(kernel, new Case((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0, 0, 0, 0, 0, 0));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void stridesOffsetsAndScalars(Kernel kernel) {
        float[][] scalars = {{1f, 1f}, {-0.5f, 0f}, {2f, -1.5f}, {0.75f, 1f}};
        int[][] shapes = {{1, 1, 1}, {37, 53, 71}, {8, 49, 300}, {67, 130, 19}};
        for (int[] s : shapes) {
            for (float[] ab : scalars) {
                for (int tr = 0; tr < 4; tr++) {
                    check(kernel, new Case((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], ab[0], ab[1],
                            3, 5, 7, 11, 2, 13));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void largeEnoughForEveryBlockBoundaryAndBothThreads(Kernel kernel) {
        for (int tr = 0; tr < 4; tr++) {
            check(kernel, new Case((tr & 1) != 0, (tr & 2) != 0, 211, 1100, 1030, 1f, 0.5f, 1, 0, 2, 0, 3, 1));
            check(kernel, new Case((tr & 1) != 0, (tr & 2) != 0, 390, 97, 1100, -1f, 0f, 0, 4, 0, 5, 0, 0));
            // wider than one packed B panel (2064 columns at 512 bits, 2048 at 256)
            check(kernel, new Case((tr & 1) != 0, (tr & 2) != 0, 40, 2200, 530, 1f, 0f, 0, 0, 0, 0, 0, 0));
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void randomShapesStridesAndScalars(Kernel kernel) {
        // seeded, so a failure names a case that reproduces; sizes straddle every tile, sliver and
        // dot-product threshold of both kernels
        SplittableRandom rnd = new SplittableRandom(20261126);
        float[] scalars = {0f, 1f, -1f, 0.5f, 2.5f};
        for (int trial = 0; trial < 300; trial++) {
            int m = rnd.nextInt(trial % 10 == 0 ? 120 : 20);
            int n = rnd.nextInt(trial % 7 == 0 ? 150 : 60);
            int k = rnd.nextInt(trial % 5 == 0 ? 600 : 40);
            float alpha = trial % 11 == 0 ? 0f : scalars[1 + rnd.nextInt(scalars.length - 1)];
            float beta = scalars[rnd.nextInt(scalars.length)];
            check(kernel, new Case(rnd.nextBoolean(), rnd.nextBoolean(), m, n, k, alpha, beta, rnd.nextInt(3),
                    rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(5), rnd.nextInt(5), rnd.nextInt(5)));
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void emptySizes(Kernel kernel) {
        for (int tr = 0; tr < 4; tr++) {
            boolean ta = (tr & 1) != 0;
            boolean tb = (tr & 2) != 0;
            check(kernel, new Case(ta, tb, 0, 5, 3, 1f, 0f, 0, 0, 0, 0, 0, 0));
            check(kernel, new Case(ta, tb, 4, 0, 3, 1f, 0f, 0, 0, 0, 0, 0, 0));
            // k == 0: C = beta * C, and beta == 0 clears even NaN
            check(kernel, new Case(ta, tb, 4, 5, 0, 1f, 0f, 0, 0, 0, 0, 0, 0));
            check(kernel, new Case(ta, tb, 4, 5, 0, 1f, 2f, 0, 0, 1, 0, 0, 2));
        }
    }

    @Test
    void alphaZeroOnlyScalesC() {
        float[] a = {Float.NaN, 1, 2, 3};
        float[] b = {1, 2, 3, 4};
        float[] c = {Float.NaN, 1, 2, Float.NaN};
        Sgemm.gemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c);
        float[] d = {1, 2, 3, 4};
        Sgemm.gemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 3f, d, 0, 2);
        assertArrayEquals(new float[] {3, 6, 9, 12}, d);
    }

    @Test
    void smallExampleByHand() {
        // [1 2 3; 4 5 6] * [1 2; 3 4; 5 6] = [22 28; 49 64]
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {1, 2, 3, 4, 5, 6};
        float[] c = new float[4];
        Sgemm.gemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {22, 28, 49, 64}, c);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void resultsDoNotDependOnThreadCount(Kernel kernel) {
        int before = Parallel.threads();
        try {
            // 128 x 512 splits columns mid-panel (32 vectors, 10.7 panels); 1000 x 12 x 300 takes the
            // dot-product path for narrow C with B transposed on several threads; 200 x 300 packs B on one
            // thread (200 rows) and reads it in place on two (100 rows each, B small: DIRECT_B_SMALL_ROWS)
            int[][] shapes = {{197, 611, 300}, {611, 197, 300}, {64, 1030, 40}, {1030, 33, 70}, {4, 3000, 100},
                {2, 5000, 150}, {128, 512, 300}, {1000, 12, 300}, {200, 300, 20}, {200, 300, 100}};
            for (int[] s : shapes) {
                for (int tr = 0; tr < 4; tr++) {
                    Case t = new Case((tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], 1.5f, 0.25f, 1, 2, 3, 0, 0, 0);
                    float[] a = t.a(7);
                    float[] b = t.b(8);
                    float[] one = t.c(9);
                    float[] two = one.clone();
                    Parallel.setThreads(1);
                    Sgemm.gemm(kernel, t.transA, t.transB, t.m, t.n, t.k, t.alpha, a, 0, t.lda(), b, 0, t.ldb(),
                            t.beta, one, 0, t.ldc());
                    Parallel.setThreads(2);
                    Sgemm.gemm(kernel, t.transA, t.transB, t.m, t.n, t.k, t.alpha, a, 0, t.lda(), b, 0, t.ldb(),
                            t.beta, two, 0, t.ldc());
                    assertArrayEquals(one, two, kernel.name() + " " + t + ": 1 and 2 threads differ");
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Outside the dot-product paths, every way the Vector API kernel can read its operands (packed,
     * in place, by rows, as the transposed product) forms each element as the same fma chain in k
     * order: the four transpose combinations of one product, the transposes materialized, agree bit
     * for bit, on one and on two threads.
     */
    @Test
    void everyOperandLayoutGivesTheSameBits() {
        Kernel vector = vectorKernelOrSkip();
        int before = Parallel.threads();
        try {
            // {m, n, k}: wide and narrow panels, C written as its transpose (m < n), edge slivers,
            // more than one kc block, few rows (B in place), narrow C (at most 16 columns, or rows:
            // computed as its transpose), 9 or 10 rows (the short tile), tiles stored straight into C
            // (alpha 1, one kc block); x W^T computed as its transpose on one thread and split by columns
            // on two (128 x 256, 64 x 84); one kc block with many rows, A packed by column slivers (403 x
            // 530), in more than one chunk of rows on one thread (1100 x 520); a small B read in place by
            // up to 128 rows a thread (200 x 300 x 20 on two threads, 120 x 400 x 64); a last 1 to 3 rows
            // computed 3 x 4 (256 bits) over an odd number of slivers with a ragged one (128 x 792, 63 x 120)
            int[][] shapes = {{128, 512, 300}, {512, 128, 300}, {64, 120, 400}, {37, 101, 1100}, {20, 300, 70},
                {100, 700, 600}, {9, 33, 17}, {64, 10, 84}, {10, 84, 64}, {100, 16, 600}, {16, 200, 30},
                {13, 13, 40}, {128, 256, 10}, {9, 100, 600}, {10, 256, 128}, {128, 256, 300}, {64, 84, 120},
                {403, 530, 300}, {1100, 520, 40}, {200, 300, 20}, {120, 400, 64}, {128, 792, 70}, {63, 120, 1100}};
            for (float alpha : new float[] {1.5f, 1f}) {
                for (int[] s : shapes) {
                    Operands op = Operands.of(s, 21);
                    int m = op.m();
                    int n = op.n();
                    int k = op.k();
                    float[] want = null;
                    for (int threads = 1; threads <= 2; threads++) {
                        Parallel.setThreads(threads);
                        for (int tr = 0; tr < 4; tr++) {
                            boolean ta = (tr & 1) != 0;
                            boolean tb = (tr & 2) != 0;
                            float[] c = new float[m * n];
                            op.gemm(vector, ta, tb, alpha, 0f, c, n);
                            if (want == null) {
                                want = c;
                            } else {
                                assertArrayEquals(want, c, m + " x " + n + " x " + k + " transA=" + ta + " transB=" + tb
                                        + " alpha=" + alpha + " on " + threads + " threads");
                            }
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * x W^T split by columns at 512 bits deals W's slivers to the threads as they come
     * ({@link VectorKernel#dealtColumns}): every element gets the bits of one thread's run, with one and
     * two k blocks, a ragged last sliver and a ragged m, on two and three threads (the first and last
     * shapes keep fixed shares on three).
     */
    @Test
    void columnsDealtAsTheyComeGiveTheBitsOfOneThread() {
        Kernel vector = vectorKernelOrSkip();
        int before = Parallel.threads();
        try {
            // one k block; two k blocks with a ragged last sliver; a ragged m
            int[][] shapes = {{128, 256, 512}, {300, 500, 1100}, {301, 289, 64}};
            for (int[] s : shapes) {
                Operands op = Operands.of(s, 17);
                int m = op.m();
                int n = op.n();
                GemmArgs args = op.args(false, true);
                String shape = m + " x " + n + " x " + op.k();
                assertFalse(vector.swapsOperands(args, 2), shape + " must not be computed as its transpose");
                assertEquals(VectorTiles.L >= 16, vector.dealtColumns(args, 2) > 0,
                        shape + " with B transposed deals its columns exactly with 512-bit tiles");
                for (float[] scalars : new float[][] {{1f, 0f}, {1.5f, 0.25f}}) {
                    assertBitsOfOneThread(vector, op, false, true, scalars, shape);
                }
            }
            // and the values, against the float64 loop
            Parallel.setThreads(2);
            check(vector, new Case(false, true, 300, 500, 1100, 1f, 0f, 0, 0, 0, 0, 0, 0));
            check(vector, new Case(false, true, 301, 289, 64, 0.5f, 1f, 1, 2, 3, 4, 5, 6));
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Large row-split products deal C's rows to the threads as they come ({@link VectorKernel#sharedRows}),
     * over several B panels (more than one block of columns and of k, where a block's later k steps add
     * to what its earlier ones stored): every element gets the bits of one thread's sequential run, on
     * two and on three threads (more threads than this machine's cores).
     */
    @Test
    void rowsDealtAsTheyComeGiveTheBitsOfOneThread() {
        Kernel vector = vectorKernelOrSkip();
        int before = Parallel.threads();
        try {
            // two column panels and two k blocks; two k blocks with a ragged last sliver of rows; one step
            int[][] shapes = {{64, 2100, 1100}, {523, 300, 1100}, {700, 300, 600}};
            for (int[] s : shapes) {
                Operands op = Operands.of(s, 31);
                int m = op.m();
                int n = op.n();
                GemmArgs args = op.args(false, false);
                assertTrue(vector.sharedRows(args, 2) != null, m + " x " + n + " x " + op.k() + " must deal its rows");
                for (float[] scalars : new float[][] {{1f, 0f}, {1.5f, 0.25f}}) {
                    for (int tr = 0; tr < 4; tr++) {
                        boolean ta = (tr & 1) != 0;
                        boolean tb = (tr & 2) != 0;
                        assertBitsOfOneThread(vector, op, ta, tb, scalars,
                                m + " x " + n + " x " + op.k() + " transA=" + ta + " transB=" + tb);
                    }
                }
            }
            // and the values, against the float64 loop
            Parallel.setThreads(2);
            check(vector, new Case(false, false, 64, 2100, 1100, 1f, 0f, 0, 0, 0, 0, 0, 0));
            check(vector, new Case(true, false, 523, 300, 1100, 0.5f, 1f, 1, 2, 3, 4, 5, 6));
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Where a row split packs B's panels once for all its threads ({@link VectorKernel#sharesPanels}),
     * a sliver is packed by whichever thread needs it first, threads start their sweeps at different
     * slivers, and with B transposed a shifted ragged edge copies from the sliver before it: every
     * element still gets the bits of one thread's sequential run (two and three threads), in one and in
     * two steps (k blocks), with ragged edges of one vector and of a whole sliver.
     */
    @Test
    void sharedPanelsGiveTheBitsOfOneThread() {
        Kernel vector = vectorKernelOrSkip();
        int before = Parallel.threads();
        try {
            // 530 columns: a ragged edge of 2 (one vector at 512 bits); 596: of 20 (a whole shifted sliver)
            int[][] shapes = {{300, 530, 1100}, {300, 596, 1100}, {250, 530, 700}, {523, 600, 900}};
            for (int[] s : shapes) {
                Operands op = Operands.of(s, 47);
                String name = op.m() + " x " + op.n() + " x " + op.k();
                assertTrue(vector.sharedRows(op.args(false, false), 2) != null, name + " must deal its rows");
                assertTrue(VectorKernel.sharesPanels(op.args(false, false), 2), name + " must share its panels");
                for (float[] scalars : new float[][] {{1f, 0f}, {1.5f, 0.25f}}) {
                    for (int tr = 0; tr < 4; tr++) {
                        boolean ta = (tr & 1) != 0;
                        boolean tb = (tr & 2) != 0;
                        assertBitsOfOneThread(vector, op, ta, tb, scalars, name + " transA=" + ta + " transB=" + tb);
                    }
                }
            }
            // and the values, against the float64 loop
            Parallel.setThreads(2);
            check(vector, new Case(false, true, 300, 596, 1100, 1f, 0f, 0, 0, 0, 0, 0, 0));
            check(vector, new Case(false, false, 250, 530, 700, 0.5f, 1f, 1, 2, 3, 4, 5, 6));
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Stored straight into C (alpha 1, beta 0, the first kc block), a ragged last sliver of rows or columns
     * is shifted back to a whole one, so that its first elements are computed and stored twice, and a
     * narrow C (at most 16 columns, rows back to back) is stored in whole vectors that spill onto the
     * next rows before those are stored. Every element must end with the bits that the update path
     * (beta 1 over C = -0, which adds t to -0 and so keeps it exactly) gives, on one and two threads,
     * and nothing outside C's window (row padding, the array's tail) may change.
     */
    @Test
    void straightEdgesGiveTheBitsOfTheUpdatePath() {
        Kernel vector = vectorKernelOrSkip();
        int before = Parallel.threads();
        try {
            // ragged columns at both widths (48- and 32-wide slivers), ragged rows for 8-, 6- and 5-row
            // tiles, both at once, a block just one sliver wide, B in place (few rows), more than MC rows;
            // narrow C of 10, 16, 5 and 1 columns, with a ragged last tile and split between threads; the
            // short tile's 9 or 10 rows; many rows in one kc block (by column slivers, one and two chunks);
            // several kc blocks, the first stored straight into C and the others added through the tile; a
            // last sliver of columns of at most one vector (the one-vector tile at 512 bits: 256, 784, 530,
            // 400 columns), also with several kc blocks and by column slivers; a last 1 to 3 rows computed
            // 3 x 4 at 256 bits (shifted to end at the last row), B's slivers in pairs and one left over
            int[][] shapes = {{128, 256, 10}, {64, 84, 10}, {84, 120, 64}, {64, 120, 84}, {13, 50, 30}, {9, 49, 7},
                {100, 401, 77}, {30, 70, 200}, {200, 100, 12}, {128, 784, 128}, {41, 33, 5}, {64, 10, 84},
                {128, 10, 256}, {37, 16, 19}, {45, 5, 40}, {100, 1, 30}, {1000, 12, 300}, {10, 84, 64}, {9, 50, 20},
                {10, 1000, 30}, {403, 530, 300}, {1100, 520, 40}, {100, 401, 1100}, {61, 130, 1100}, {100, 400, 1100},
                {300, 784, 200}, {128, 792, 70}, {63, 120, 1100}, {8, 100, 50}};
            int tail = 40;
            for (int[] s : shapes) {
                Operands op = Operands.of(s, 31);
                int m = op.m();
                int n = op.n();
                int k = op.k();
                for (int pad : new int[] {0, 3}) {
                    int ldc = n + pad;
                    for (int threads = 1; threads <= 2; threads++) {
                        Parallel.setThreads(threads);
                        for (int tr = 0; tr < 4; tr++) {
                            boolean ta = (tr & 1) != 0;
                            boolean tb = (tr & 2) != 0;
                            float[] straight = new float[m * ldc + tail];
                            java.util.Arrays.fill(straight, Float.NaN);
                            float[] updated = straight.clone();
                            for (int i = 0; i < m; i++) {
                                java.util.Arrays.fill(updated, i * ldc, i * ldc + n, -0f);
                            }
                            op.gemm(vector, ta, tb, 1f, 0f, straight, ldc);
                            op.gemm(vector, ta, tb, 1f, 1f, updated, ldc);
                            assertArrayEquals(updated, straight, m + " x " + n + " x " + k + " transA=" + ta
                                    + " transB=" + tb + " ldc=" + ldc + " on " + threads
                                    + " threads (NaN: outside C's window)");
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** A product's operands, A (m x k) and B (k x n) row-major and both transposed, for every layout. */
    /**
     * The call on 1, 2 and 3 threads (more than this machine's cores), each from the same C: every
     * element must have the bits of the one-thread run. Leaves the thread count at 3.
     */
    private static void assertBitsOfOneThread(Kernel kernel, Operands op, boolean ta, boolean tb, float[] scalars,
                                              String what) {
        float[] want = null;
        for (int threads = 1; threads <= 3; threads++) {
            Parallel.setThreads(threads);
            float[] c = random(op.m() * op.n(), 5);
            op.gemm(kernel, ta, tb, scalars[0], scalars[1], c, op.n());
            if (want == null) {
                want = c;
            } else {
                assertArrayEquals(want, c, what + " alpha=" + scalars[0] + " on " + threads + " threads");
            }
        }
    }

    private record Operands(int m, int n, int k, float[] a, float[] b, float[] at, float[] bt) {

        /** Random A (seed) and B (seed + 1) for {m, n, k}. */
        static Operands of(int[] mnk, long seed) {
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            float[] a = random(m * k, seed);
            float[] b = random(k * n, seed + 1);
            return new Operands(m, n, k, a, b, transpose(a, m, k), transpose(b, k, n));
        }

        /** The call's arguments as a kernel sees them (alpha 1, beta 0, a fresh C), for its choices of path. */
        GemmArgs args(boolean ta, boolean tb) {
            return new GemmArgs(ta, tb, m, n, k, 1f, ta ? at : a, 0, ta ? m : k, tb ? bt : b, 0, tb ? k : n, 0f,
                    new float[m * n], 0, n, false);
        }

        /** C (row stride ldc) = alpha op(A) op(B) + beta C, A and B read as stored the way ta and tb say. */
        void gemm(Kernel kernel, boolean ta, boolean tb, float alpha, float beta, float[] c, int ldc) {
            Sgemm.gemm(kernel, ta, tb, m, n, k, alpha, ta ? at : a, 0, ta ? m : k, tb ? bt : b, 0, tb ? k : n, beta,
                    c, 0, ldc);
        }
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = x[r * cols + c];
            }
        }
        return t;
    }

    /** Delegates to the plain kernel and records the output blocks it was handed. */
    private static final class RecordingKernel implements Kernel {
        final List<int[]> blocks = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void compute(GemmArgs g, int i0, int i1, int j0, int j1) {
            blocks.add(new int[] {i0, i1, j0, j1});
            PlainKernel.INSTANCE.compute(g, i0, i1, j0, j1);
        }

        @Override
        public int columnAlign() {
            return 48;
        }

        @Override
        public int rowAlign() {
            return 8;
        }

        @Override
        public boolean prefersRowSplit(GemmArgs g, int threads) {
            return g.transB();
        }

        @Override
        public String name() {
            return "recording";
        }
    }

    @Test
    void twoThreadsGetOneDisjointBlockEachCoveringC() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            // {m, n, k, transB (the kernel then prefers rows), expected split: 1 = columns, 0 = rows};
            // 43 column panels is an odd count
            int[][] cases = {{64, 2048, 16, 0, 1}, {64, 128, 200, 0, 0}, {1030, 33, 70, 0, 0}, {300, 1000, 40, 0, 1},
                {300, 1000, 40, 1, 0}, {16, 1000, 200, 1, 1}};
            for (int[] s : cases) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                boolean transB = s[3] == 1;
                RecordingKernel kernel = new RecordingKernel();
                Sgemm.gemm(kernel, false, transB, m, n, k, 1f, new float[m * k], 0, k, new float[k * n], 0,
                        transB ? k : n, 0f, new float[m * n], 0, n);
                String shape = m + " x " + n + " x " + k;
                assertEquals(2, kernel.blocks.size(), shape + ": blocks " + kernel.blocks.size());
                int[] covered = new int[m * n];
                for (int[] blk : kernel.blocks) {
                    boolean columns = blk[0] == 0 && blk[1] == m && (blk[3] - blk[2]) < n;
                    assertEquals(s[4] == 1, columns, shape + ": split direction");
                    for (int i = blk[0]; i < blk[1]; i++) {
                        for (int j = blk[2]; j < blk[3]; j++) {
                            covered[i * n + j]++;
                        }
                    }
                }
                for (int x : covered) {
                    assertEquals(1, x, shape + ": every element of C in exactly one block");
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void rejectsOperandsThatDoNotFit() {
        float[] x = new float[12];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.gemm(false, false, 3, 4, 4, 1f, x, 0, 3, x, 0, 4, 0f, x, 0, 4));
        assertTrue(e.getMessage().contains("lda must be >= 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.gemm(false, false, 3, 4, 4, 1f, new float[12], 0, 4, x, 0, 4, 0f, x, 0, 4));
        assertTrue(e.getMessage().contains("B (stored 4 x 4) at offset 0 with ldb=4 needs 16 elements, array has 12"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.gemm(false, false, -1, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4));
        assertEquals("gemm: sizes must be >= 0, got m=-1 n=4 k=4", e.getMessage());
    }
}

package dev.flint.cpu.gemm;

import dev.flint.cpu.parallel.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A quick probe of the GEMMs of one MLP training step (784-512-256-10, batch 128) and of a square
 * 1024 product on the default kernel: median microseconds and GFLOP/s per shape. Not a unit test;
 * the JMH benchmarks are the numbers of record.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp ... dev.flint.cpu.gemm.MlpShapeProbe
 * }</pre>
 */
public final class MlpShapeProbe {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private MlpShapeProbe() {
    }

    public static void main(String[] args) {
        // {transA, transB, m, n, k}: forward x W^T, dX = g W, dW = g^T x for each layer
        int[][] shapes = {
            {0, 1, 128, 512, 784}, {0, 0, 128, 784, 512}, {1, 0, 512, 784, 128},
            {0, 1, 128, 256, 512}, {0, 0, 128, 512, 256}, {1, 0, 256, 512, 128},
            {0, 1, 128, 10, 256}, {0, 0, 128, 256, 10}, {1, 0, 10, 256, 128},
            {0, 0, 1024, 1024, 1024}};
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        for (int round = 0; round < rounds; round++) {
            double total = 0;
            for (int[] s : shapes) {
                double[] times = time(s[0] == 1, s[1] == 1, s[2], s[3], s[4]);
                double us = times[0];
                if (s[2] != 1024) {
                    total += us;
                }
                System.out.printf("%s%s m=%4d n=%4d k=%4d  %9.1f us  %6.1f GFLOP/s  (best %9.1f us)%n",
                        s[0] == 1 ? "T" : "N", s[1] == 1 ? "T" : "N", s[2], s[3], s[4], us,
                        2.0 * s[2] * s[3] * s[4] / us / 1e3, times[1]);
            }
            System.out.printf("MLP GEMMs total %.1f us%n%n", total);
        }
    }

    /**
     * With one thread, CPU time of the calling thread: what the kernel itself costs, which stays
     * meaningful while other processes share the cores. Else wall time.
     */
    private static long now() {
        return Parallel.threads() == 1 ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** {median, best} microseconds per call; the best is what survives other processes' load. */
    private static double[] time(boolean transA, boolean transB, int m, int n, int k) {
        float[] a = SgemmTest.random(m * k, 1);
        float[] b = SgemmTest.random(n * k, 2);
        float[] c = new float[m * n];
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        int calls = (int) Math.max(1, Math.min(1000, 1e8 / (2.0 * m * n * k)));
        double[] micros = new double[41];
        for (int r = -10; r < micros.length; r++) {
            long t0 = now();
            for (int i = 0; i < calls; i++) {
                Sgemm.gemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            }
            if (r >= 0) {
                micros[r] = (now() - t0) / 1e3 / calls;
            }
        }
        Arrays.sort(micros);
        return new double[] {micros[micros.length / 2], micros[0]};
    }
}

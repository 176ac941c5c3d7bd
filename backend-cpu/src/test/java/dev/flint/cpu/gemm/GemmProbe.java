package dev.flint.cpu.gemm;

import dev.flint.cpu.parallel.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A quick throughput probe, not a unit test and not a benchmark of record (those are JMH, in the
 * benchmarks module): times square GEMMs on each available kernel and prints the median GFLOP/s.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp ... dev.flint.cpu.gemm.GemmProbe 256 512 1024 2048
 * }</pre>
 *
 * <p>{@code -Dprobe.kernel=plain} or {@code =vector} times one kernel only. With
 * {@code -Dflint.cpu.threads=1} it also prints flops per CPU-second of the calling thread, which
 * stays meaningful when other processes share the cores; small shapes always print the calling
 * thread's CPU time when they run on it alone.
 */
public final class GemmProbe {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private GemmProbe() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {256, 512, 1024, 2048}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        // -Dprobe.kernel=plain or =vector times one kernel only
        String only = System.getProperty("probe.kernel", "");
        List<Kernel> kernels = new ArrayList<>();
        if (!only.equals("vector")) {
            kernels.add(PlainKernel.INSTANCE);
        }
        Kernel vector = VectorSupport.vectorKernelIfAvailable();
        if (vector != null && !only.equals("plain")) {
            kernels.add(vector);
        }
        System.out.println("default kernel: " + VectorSupport.kernel().name());
        for (Kernel kernel : kernels) {
            for (int n : sizes) {
                square(kernel, n);
            }
        }
        // shapes of the examples: an MLP on MNIST (batch 1, 4 and 64) and LeNet's im2col convolutions
        // (x * w^T for the MLP, w * columns for the convolutions), {m, n, k, transB}
        int[][] small = {{1, 128, 784, 1}, {4, 128, 784, 1}, {64, 128, 784, 1}, {64, 10, 128, 1}, {128, 10, 64, 1},
            {6, 576, 25, 0}, {16, 64, 150, 0}, {6, 4608, 25, 0}, {8, 8, 8, 0}};
        for (Kernel kernel : kernels) {
            for (int[] s : small) {
                small(kernel, s[0], s[1], s[2], s[3] == 1);
            }
        }
    }

    private static void square(Kernel kernel, int n) {
        float[] a = SgemmTest.random(n * n, 1);
        float[] b = SgemmTest.random(n * n, 2);
        float[] c = new float[n * n];
        double flops = 2.0 * n * n * n;
        // enough calls for C2 to compile the kernel and for a stable median
        int runs = (int) Math.max(5, Math.min(40, 4e10 / flops));
        double[] gflops = new double[runs];
        double[] cpuGflops = new double[runs];
        // warm up for a second at least: C2 must have compiled every tile variant, and compiling
        // them takes cores away from the timed calls
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        for (int w = 0; w < 3 || System.nanoTime() < warmEnd; w++) {
            Sgemm.gemm(kernel, false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        }
        for (int r = 0; r < runs; r++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Sgemm.gemm(kernel, false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
            gflops[r] = flops / (System.nanoTime() - t0);
            cpuGflops[r] = flops / Math.max(1, THREADS.getCurrentThreadCpuTime() - cpu0);
        }
        Arrays.sort(gflops);
        Arrays.sort(cpuGflops);
        // On a shared machine wall time includes other processes; with one thread, flops per
        // CPU-second of the calling thread is what the kernel itself achieves.
        String cpu = Parallel.threads() == 1
                ? String.format(", per CPU-second %7.1f", cpuGflops[runs / 2]) : "";
        System.out.printf("%-12s threads=%d n=%5d  median %7.1f GFLOP/s  (best %7.1f, %d runs%s)%n",
                kernel.name(), Parallel.threads(), n, gflops[runs / 2], gflops[runs - 1], runs, cpu);
    }

    /** Small products are about per-call overhead: microseconds per call, many calls per sample. */
    private static void small(Kernel kernel, int m, int n, int k, boolean transB) {
        float[] a = SgemmTest.random(m * k, 1);
        float[] b = SgemmTest.random(n * k, 2);
        float[] c = new float[m * n];
        int calls = (int) Math.max(10, Math.min(20000, 2e8 / (2.0 * m * n * k)));
        double[] micros = new double[15];
        double[] cpuMicros = new double[15];
        for (int r = -5; r < micros.length; r++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                Sgemm.gemm(kernel, false, transB, m, n, k, 1f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n);
            }
            if (r >= 0) {
                micros[r] = (System.nanoTime() - t0) / 1e3 / calls;
                cpuMicros[r] = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e3 / calls;
            }
        }
        Arrays.sort(micros);
        Arrays.sort(cpuMicros);
        double us = micros[micros.length / 2];
        // calls below the kernel's parallelMinWork() run on this thread alone, so its CPU time is the cost
        String cpu = kernel.work(m, n, k) < kernel.parallelMinWork() || Parallel.threads() == 1
                ? String.format(", %8.2f us of CPU", cpuMicros[cpuMicros.length / 2]) : "";
        System.out.printf("%-12s threads=%d %4d x %4d x %4d %s  median %8.2f us/call  %7.1f GFLOP/s%s%n",
                kernel.name(), Parallel.threads(), m, n, k, transB ? "NT" : "NN", us, 2.0 * m * n * k / us / 1e3, cpu);
    }
}

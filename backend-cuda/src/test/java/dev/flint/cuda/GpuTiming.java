package dev.flint.cuda;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import dev.flint.cuda.driver.CudaEvent;
import java.util.Arrays;
import java.util.Locale;

/**
 * A short timing of the CUDA backend on a GPU machine (scripts/gpu-check.sh runs it; JMH is for the
 * benchmarks module, this is a smoke-level number per kernel family). Device times come from CUDA events
 * around a batch of launches, median of 5 batches; the host overhead of a small op from wall time.
 *
 * <pre>
 *   java -cp "$CP" dev.flint.cuda.GpuTiming            # prints one line per measurement
 * </pre>
 */
public final class GpuTiming {
    private GpuTiming() {
    }

    /** A measured operation: queue one instance of it. */
    private interface Op {
        void run();
    }

    public static void main(String[] args) {
        System.out.print(Backends.report());
        Availability a = new CudaBackendProvider().probe();
        if (!a.usable()) {
            System.out.println("timing skipped: cuda unavailable: " + a.detail());
            return;
        }
        CudaBackend cuda = (CudaBackend) Backends.get("cuda");
        System.out.println("device: " + cuda.deviceDescription());

        int n = 4096;
        Storage a1 = random(cuda, n * n, 1);
        Storage b1 = random(cuda, n * n, 2);
        Storage c1 = cuda.allocate(DType.FLOAT32, n * n);
        double ms = time(cuda, 10, () -> cuda.gemm(Gemm.of(n, n, n).a(a1, false).b(b1, false).into(c1)));
        report("sgemm 4096x4096x4096 (FP32, TF32 off)", ms, String.format("%.2f TFLOP/s", 2.0 * n * n * n / ms / 1e9));
        release(a1, b1, c1);

        int rows = 8192;
        int cols = 8192;
        Storage x = random(cuda, rows * cols, 3);
        Storage y = cuda.allocate(DType.FLOAT32, rows * cols);
        ms = time(cuda, 20, () -> cuda.softmaxForward(false, x, y, rows, cols));
        report("softmax forward 8192x8192", ms, gbps(3L * 4 * rows * cols, ms));
        Storage dx = cuda.allocate(DType.FLOAT32, rows * cols);
        ms = time(cuda, 20, () -> cuda.softmaxBackward(false, y, x, dx, rows, cols));
        report("softmax backward 8192x8192", ms, gbps(3L * 4 * rows * cols, ms));
        release(x, y, dx);

        int big = 64 << 20;
        Storage rx = random(cuda, big, 4);
        Storage ry = cuda.allocate(DType.FLOAT32, big);
        Storage rdy = random(cuda, big, 5);
        Storage rdx = cuda.allocate(DType.FLOAT32, big);
        ms = time(cuda, 20, () -> cuda.unary(Unary.of(UnaryOp.RELU), rx, ry, big));
        report("relu forward 64M", ms, gbps(8L * big, ms));
        ms = time(cuda, 20, () -> cuda.unaryBackward(Unary.of(UnaryOp.RELU), rx, null, rdy, rdx, big));
        report("relu backward 64M", ms, gbps(12L * big, ms));
        release(ry, rdy, rdx);

        Storage grad = random(cuda, big, 6);
        Storage m = cuda.allocate(DType.FLOAT32, big);
        Storage v = cuda.allocate(DType.FLOAT32, big);
        cuda.fill(m, 0, big, 0f);
        cuda.fill(v, 0, big, 0f);
        AdamParams adam = new AdamParams(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 1);
        ms = time(cuda, 20, () -> cuda.adamUpdate(rx, grad, m, v, big, adam));
        report("adamw update 64M params", ms, gbps(28L * big, ms));
        release(grad, m, v);

        Storage copy = cuda.allocate(DType.FLOAT32, big);
        ms = time(cuda, 20, () -> cuda.copyBlocks(rx, 0, big, copy, 0, big, 1, big));
        report("device-to-device copy 256 MiB", ms, gbps(8L * big, ms) + " (read + write)");
        release(rx, copy);

        Storage small = random(cuda, 1000, 7);
        int launches = 20_000;
        for (int i = 0; i < 2000; i++) {
            cuda.unary(Unary.of(UnaryOp.NEG), small, small, 1000);
        }
        cuda.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < launches; i++) {
            cuda.unary(Unary.of(UnaryOp.NEG), small, small, 1000);
        }
        long queued = System.nanoTime() - t0;
        cuda.synchronize();
        long drained = System.nanoTime() - t0;
        float[] one = new float[1];
        long t1 = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            cuda.unary(Unary.of(UnaryOp.NEG), small, small, 1000);
            cuda.download(small, 0, one, 0, 1);
        }
        long roundTrips = System.nanoTime() - t1;
        System.out.printf(Locale.ROOT, "%-44s %9.2f us/op queued, %.2f us/op incl. drain, %.1f us per op + 4-byte"
                + " download%n", "host overhead, unary on 1000 elements", queued / 1e3 / launches,
                drained / 1e3 / launches, roundTrips / 1e3 / 2000);
        small.release();

        // The same work on the CPU backend, smaller where the CPU would take long, for the ratio.
        Backend cpu = Backends.get("cpu");
        int cn = 1024;
        Storage ca = random(cpu, cn * cn, 1);
        Storage cb = random(cpu, cn * cn, 2);
        Storage cc = cpu.allocate(DType.FLOAT32, cn * cn);
        double cpuMs = wallMs(cpu, 5, () -> cpu.gemm(Gemm.of(cn, cn, cn).a(ca, false).b(cb, false).into(cc)));
        report("cpu: sgemm 1024x1024x1024", cpuMs, String.format(Locale.ROOT, "%.3f TFLOP/s", 2.0 * cn * cn * cn
                / cpuMs / 1e9));
        release(ca, cb, cc);
        Storage cx = random(cpu, 1024 * 8192, 3);
        Storage cy = cpu.allocate(DType.FLOAT32, 1024 * 8192);
        cpuMs = wallMs(cpu, 5, () -> cpu.softmaxForward(false, cx, cy, 1024, 8192));
        report("cpu: softmax forward 1024x8192", cpuMs, gbps(3L * 4 * 1024 * 8192, cpuMs));
        release(cx, cy);

        double gpuStep = mlpStepMs(cuda, 50);
        double cpuStep = mlpStepMs(cpu, 5);
        report("mlp step 784-512-512-10, batch 256, cuda", gpuStep, String.format(Locale.ROOT, "%.1fx the cpu",
                cpuStep / gpuStep));
        report("mlp step 784-512-512-10, batch 256, cpu", cpuStep, "");
        System.out.println("memory: " + cuda.memoryStats());
    }

    /** Median wall milliseconds of one training step (forward, cross-entropy, backward, SGD), loss read back. */
    private static double mlpStepMs(Backend backend, int steps) {
        dev.flint.tensor.Rng rng = new dev.flint.tensor.Rng(1);
        dev.flint.nn.Sequential model = new dev.flint.nn.Sequential(
                new dev.flint.nn.Linear(784, 512, true, rng, backend), new dev.flint.nn.ReLU(),
                new dev.flint.nn.Linear(512, 512, true, rng, backend), new dev.flint.nn.ReLU(),
                new dev.flint.nn.Linear(512, 10, true, rng, backend));
        float[] x = new float[256 * 784];
        int[] y = new int[256];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rnd.nextInt(10);
        }
        double[] ms = new double[steps];
        try (dev.flint.optim.SGD sgd = new dev.flint.optim.SGD(model.parameters(), 0.01f, 0.9f, 0f, 0f, false)) {
            for (int i = -3; i < steps; i++) {
                long t0 = System.nanoTime();
                try (dev.flint.tensor.Scope step = dev.flint.tensor.Scope.open()) {
                    dev.flint.tensor.Tensor input = dev.flint.tensor.Tensor.on(backend).fromFloats(x,
                            dev.flint.tensor.Shape.of(256, 784));
                    dev.flint.tensor.Tensor labels = dev.flint.tensor.Tensor.on(backend).fromInts(y, dev.flint.tensor.Shape.of(256));
                    sgd.zeroGrad();
                    dev.flint.tensor.Tensor loss = model.forward(input).crossEntropy(labels);
                    loss.backward();
                    sgd.step();
                    loss.item();
                }
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        model.close();
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    /** Median wall milliseconds of one op on a synchronous backend, over {@code reps} runs after one warm-up. */
    private static double wallMs(Backend backend, int reps, Op op) {
        op.run();
        backend.synchronize();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            op.run();
            backend.synchronize();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    /** Milliseconds per op: median over 5 batches of {@code reps} launches, timed with events on the stream. */
    private static double time(CudaBackend cuda, int reps, Op op) {
        op.run();
        cuda.synchronize();
        double[] perOp = new double[5];
        try (CudaEvent start = cuda.newEvent(); CudaEvent stop = cuda.newEvent()) {
            for (int batch = 0; batch < perOp.length; batch++) {
                start.record();
                for (int i = 0; i < reps; i++) {
                    op.run();
                }
                stop.record();
                perOp[batch] = stop.elapsedSince(start) / reps;
            }
        }
        Arrays.sort(perOp);
        return perOp[perOp.length / 2];
    }

    private static void report(String what, double ms, String rate) {
        System.out.printf(Locale.ROOT, "%-44s %9.3f ms  %s%n", what, ms, rate);
    }

    private static String gbps(long bytes, double ms) {
        return String.format(Locale.ROOT, "%.0f GB/s", bytes / ms / 1e6);
    }

    private static Storage random(Backend b, int n, long seed) {
        float[] host = new float[n];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            host[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        Storage s = b.allocate(DType.FLOAT32, n);
        b.upload(host, 0, s, 0, n);
        return s;
    }

    private static void release(Storage... storages) {
        for (Storage s : storages) {
            s.release();
        }
    }
}

package dev.flint.cuda;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import dev.flint.cuda.driver.CudaEvent;
import dev.flint.nn.Linear;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.optim.SGD;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * The Flint half of the GPU comparison with PyTorch (scripts/gpu-check.sh runs it, then
 * {@code scripts/gpu_baseline.py} for the PyTorch half, then {@link GpuReport} for the table). Both halves
 * measure the same workloads the same way, so that their figures can be set side by side:
 *
 * <ul>
 *   <li>device time from CUDA events recorded on the stream around a batch of {@code reps} calls, after
 *       a warm-up of 0.5 s or 2 batches (whichever is longer: the JIT compiles the Java side meanwhile);
 *       the figure is the median over 15 batches, per call;</li>
 *   <li>only milliseconds are printed; bytes and FLOPs are counted once, in GpuReport, for both sides;</li>
 *   <li>training steps run back to back with no synchronization inside a batch (the loss stays on the
 *       device), as a PyTorch training loop does, so a host-bound step shows as its host time.</li>
 * </ul>
 *
 * <p>Output: {@code RESULT <key> <value> <unit>} lines (keys as GpuReport and gpu_baseline.py name them),
 * {@code INFO} lines, and with {@code --tf32-probe} only the TF32 probe: a 1024^3 GEMM whose exact FP32
 * result TF32 cannot represent, on a default backend and on one with {@code flint.cuda.tf32=true}, so
 * that a run with {@code NVIDIA_TF32_OVERRIDE} set shows what the variable really does.
 *
 * <pre>
 *   java -cp "$CP" dev.flint.cuda.GpuTiming               # every measurement
 *   java -cp "$CP" dev.flint.cuda.GpuTiming --tf32-probe  # the TF32 probe alone
 *   java -cp "$CP" dev.flint.cuda.GpuTiming --small       # tiny sizes: a check that every path runs
 * </pre>
 */
public final class GpuTiming {
    /** 64M elements: 256 MiB per buffer, far beyond any GPU's L2, so bandwidth figures are DRAM's. */
    static final int BIG = 64 << 20;

    /**
     * The sizes of one run: the real ones, or tiny ones ({@code --small}) with which GpuTimingTest runs
     * every code path on the emulated driver, so that the GPU run does not find a mistake here first.
     */
    record Sizes(int gemm, int softmax, int big, int mlpSmall, int mlpLarge, int steps, int batches,
                 double warmupSeconds, int hostOps) {
        static final Sizes REAL = new Sizes(4096, 8192, BIG, 128, 1024, 10, 15, 0.5, 20_000);
        static final Sizes SMALL = new Sizes(64, 64, 4096, 8, 16, 2, 3, 0, 200);
    }

    private static Sizes z = Sizes.REAL;

    private GpuTiming() {
    }

    /** A measured operation: queue one instance of it. */
    private interface Op {
        void run();
    }

    public static void main(String[] args) {
        z = Arrays.asList(args).contains("--small") ? Sizes.SMALL : Sizes.REAL;
        Availability a = new CudaBackendProvider().probe();
        if (!a.usable()) {
            System.out.println("INFO timing skipped: cuda unavailable: " + a.detail());
            return;
        }
        CudaBackend cuda = (CudaBackend) new CudaBackendProvider().create();
        System.out.println("INFO device " + cuda.device().name());
        System.out.println("INFO flint " + cuda.deviceDescription());
        CudaBackend tf32 = withTf32();
        tf32Probe(cuda, "default");
        tf32Probe(tf32, "flint.cuda.tf32=true");
        if (Arrays.asList(args).contains("--tf32-probe")) {
            tf32.close();
            cuda.close();
            return;
        }

        int n = z.gemm();
        Storage a1 = random(cuda, n * n, 1);
        Storage b1 = random(cuda, n * n, 2);
        Storage c1 = cuda.allocate(DType.FLOAT32, n * n);
        result("sgemm_fp32", time(cuda, 5, () -> gemm(cuda, n, a1, b1, c1)), "ms");
        release(a1, b1, c1);
        Storage a2 = random(tf32, n * n, 1);
        Storage b2 = random(tf32, n * n, 2);
        Storage c2 = tf32.allocate(DType.FLOAT32, n * n);
        result("sgemm_tf32", time(tf32, 5, () -> gemm(tf32, n, a2, b2, c2)), "ms");
        release(a2, b2, c2);
        tf32.close();

        int rows = z.softmax();
        int cols = z.softmax();
        Storage x = random(cuda, rows * cols, 3);
        Storage y = cuda.allocate(DType.FLOAT32, rows * cols);
        result("softmax_fwd", time(cuda, 20, () -> cuda.softmaxForward(false, x, y, rows, cols)), "ms");
        Storage dx = cuda.allocate(DType.FLOAT32, rows * cols);
        result("softmax_bwd", time(cuda, 20, () -> cuda.softmaxBackward(false, y, x, dx, rows, cols)), "ms");
        release(x, y, dx);

        int big = z.big();
        Storage rx = random(cuda, big, 4);
        Storage ry = cuda.allocate(DType.FLOAT32, big);
        Storage rdy = random(cuda, big, 5);
        Storage rdx = cuda.allocate(DType.FLOAT32, big);
        Unary relu = Unary.of(UnaryOp.RELU);
        result("relu_fwd", time(cuda, 20, () -> cuda.unary(relu, rx, ry, big)), "ms");
        // Backward reads x and dy, writes dx (as torch's threshold_backward): 12 bytes per element.
        result("relu_bwd", time(cuda, 20, () -> cuda.unaryBackward(relu, rx, null, rdy, rdx, big)), "ms");
        release(ry, rdy, rdx);

        Storage grad = random(cuda, big, 6);
        Storage m = cuda.allocate(DType.FLOAT32, big);
        Storage v = cuda.allocate(DType.FLOAT32, big);
        cuda.fill(m, 0, big, 0f);
        cuda.fill(v, 0, big, 0f);
        // Adam as torch.optim.Adam(fused=True) runs it: no weight decay; reads p, g, m, v and writes p, m, v.
        AdamParams adam = new AdamParams(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 1);
        result("adam", time(cuda, 20, () -> cuda.adamUpdate(rx, grad, m, v, big, adam)), "ms");
        release(grad, m, v);

        Storage copy = cuda.allocate(DType.FLOAT32, big);
        result("copy", time(cuda, 20, () -> cuda.copyBlocks(rx, 0, big, copy, 0, big, 1, big)), "ms");
        release(rx, copy);

        mlpStep(cuda, z.mlpSmall(), "mlp_step_128");
        mlpStep(cuda, z.mlpLarge(), "mlp_step_1024");
        hostOverhead(cuda);
        System.out.println("INFO memory " + cuda.memoryStats());
        cuda.close();
    }

    /** A second backend with flint.cuda.tf32=true (the property is read at creation). */
    private static CudaBackend withTf32() {
        String old = System.getProperty("flint.cuda.tf32");
        System.setProperty("flint.cuda.tf32", "true");
        try {
            return (CudaBackend) new CudaBackendProvider().create();
        } finally {
            if (old == null) {
                System.clearProperty("flint.cuda.tf32");
            } else {
                System.setProperty("flint.cuda.tf32", old);
            }
        }
    }

    private static void gemm(Backend b, int n, Storage a, Storage x, Storage c) {
        b.gemm(Gemm.of(n, n, n).a(a, false).b(x, false).into(c));
    }

    /**
     * C = A B with A all {@code 1 + 2^-12} and B all ones, n^3 (1024^3, large enough that cuBLAS picks
     * tensor-core kernels where it may): exact FP32 gives {@code n (1 + 2^-12)} everywhere, which FP32 holds
     * exactly; TF32 keeps 10 mantissa bits, rounds A to 1 and gives n. Prints which one cuBLAS computed.
     */
    private static void tf32Probe(CudaBackend b, String label) {
        int n = z == Sizes.SMALL ? 256 : 1024;
        float exact = n + n / 4096f;
        float[] ones = new float[n * n];
        Arrays.fill(ones, 1f);
        float[] a = new float[n * n];
        Arrays.fill(a, 1f + 0x1p-12f);
        Storage sa = b.allocate(DType.FLOAT32, n * n);
        Storage sb = b.allocate(DType.FLOAT32, n * n);
        Storage sc = b.allocate(DType.FLOAT32, n * n);
        b.upload(a, 0, sa, 0, n * n);
        b.upload(ones, 0, sb, 0, n * n);
        gemm(b, n, sa, sb, sc);
        float[] c = new float[1];
        b.download(sc, 0, c, 0, 1);
        String math = c[0] == exact ? "fp32" : c[0] == n ? "tf32" : "other";
        System.out.printf(Locale.ROOT, "INFO tf32-probe %s: C[0] = %s (exact FP32 %s, TF32 %d): %s; %s;"
                + " NVIDIA_TF32_OVERRIDE=%s%n", label, c[0], exact, n, math.toUpperCase(Locale.ROOT),
                b.mathDescription(), System.getenv(Tf32Mode.VARIABLE));
        result("tf32_probe_" + (label.equals("default") ? "default" : "tf32"), math.equals("tf32") ? 1 : 0,
                "tf32-used");
        release(sa, sb, sc);
    }

    /**
     * The MLP step of benchmarks' MlpStepBenchmark (784-512-256-10 ReLU MLP, softmax cross-entropy, SGD lr
     * 0.01 momentum 0.9, intermediates freed by a scope) at {@code batch}: device time per step from events
     * around 10 steps, the host's time to queue them, and the operations queued per step.
     */
    private static void mlpStep(CudaBackend cuda, int batch, String key) {
        Rng rng = new Rng(1L);
        Sequential model = new Sequential(new Linear(784, 512, true, rng, cuda), new ReLU(),
                new Linear(512, 256, true, rng, cuda), new ReLU(), new Linear(256, 10, true, rng, cuda));
        Tensor x = Tensor.on(cuda).uniform(Shape.of(batch, 784), -1f, 1f, new Rng(2L));
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = rng.nextInt(10);
        }
        Tensor labels = Tensor.on(cuda).fromInts(y, Shape.of(batch));
        int steps = z.steps();
        double[] host = new double[z.batches()];
        long ops;
        try (SGD sgd = new SGD(model.parameters(), 0.01f, 0.9f, 0f, 0f, false)) {
            Op step = () -> {
                try (Scope scope = Scope.open()) {
                    sgd.zeroGrad();
                    model.forward(x).crossEntropy(labels).backward();
                    sgd.step();
                }
            };
            warmUp(cuda, steps, step);
            long before = cuda.operationsQueued();
            double[] device = new double[z.batches()];
            try (CudaEvent start = cuda.newEvent(); CudaEvent stop = cuda.newEvent()) {
                for (int b = 0; b < device.length; b++) {
                    start.record();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < steps; i++) {
                        step.run();
                    }
                    host[b] = (System.nanoTime() - t0) / 1e6 / steps;
                    stop.record();
                    device[b] = stop.elapsedSince(start) / steps;
                }
            }
            ops = (cuda.operationsQueued() - before) / ((long) device.length * steps);
            result(key, median(device), "ms");
        }
        result(key + "_host", median(host), "ms");
        result(key + "_launches", ops, "ops");
        model.close();
        x.close();
        labels.close();
    }

    /** Host time to queue a 1,000-element op (NEG in place), and with the queue drained, over 20,000 ops. */
    private static void hostOverhead(CudaBackend cuda) {
        Storage small = random(cuda, 1000, 7);
        Unary negate = Unary.of(UnaryOp.NEG);
        Op neg = () -> cuda.unary(negate, small, small, 1000);
        int launches = z.hostOps();
        for (int i = 0; i < launches; i++) {
            neg.run();
        }
        cuda.synchronize();
        double[] queued = new double[5];
        double[] drained = new double[5];
        for (int r = 0; r < queued.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < launches; i++) {
                neg.run();
            }
            queued[r] = (System.nanoTime() - t0) / 1e3 / launches;
            cuda.synchronize();
            drained[r] = (System.nanoTime() - t0) / 1e3 / launches;
        }
        result("host_op", median(queued), "us");
        result("host_op_drained", median(drained), "us");
        small.release();
    }

    /** Runs {@code op} in batches of {@code reps} until the warm-up time has passed (2 batches at least). */
    private static void warmUp(Backend b, int reps, Op op) {
        long until = System.nanoTime() + (long) (z.warmupSeconds() * 1e9);
        for (int batch = 0; batch < 2 || System.nanoTime() < until; batch++) {
            for (int i = 0; i < reps; i++) {
                op.run();
            }
            b.synchronize();
        }
    }

    /** Milliseconds per op: median over the batches of {@code reps} launches, timed with events. */
    private static double time(CudaBackend cuda, int reps, Op op) {
        warmUp(cuda, reps, op);
        double[] perOp = new double[z.batches()];
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
        return median(perOp);
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void result(String key, double value, String unit) {
        System.out.printf(Locale.ROOT, "RESULT %s %.6g %s%n", key, value, unit);
    }

    /** Uniform in [-1, 1) from a seeded generator, uploaded in one transfer. */
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

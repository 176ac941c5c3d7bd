package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.MemoryStats;
import dev.flint.gradcheck.BackendDiff;
import dev.flint.nn.Linear;
import dev.flint.nn.Module;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.optim.Optimizer;
import dev.flint.optim.SGD;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same graphs on CUDA and on the CPU: an MLP and a LeNet-style CNN give the same loss and every
 * parameter gradient within {@code |cuda - cpu| <= 1e-4 + 1e-3 |cpu|} (BackendDiff names the first
 * diverging node and the worst element); a few SGD steps stay that close; and 1,000 training steps keep
 * device memory in use flat after the first. The tolerances assume exact FP32 GEMM: every comparison says
 * which math cuBLAS was set to (flint.cuda.tf32, and NVIDIA_TF32_OVERRIDE, which overrides it), so a failure
 * under TF32 reads as such.
 */
@Tag("cuda")
class CudaCrossBackendTest {
    private static final BackendDiff.Tolerance TOLERANCE = BackendDiff.Tolerance.of(1e-4, 1e-3);

    private static boolean told;

    private Backend cuda;
    private Backend cpu;
    /** "cuBLAS math: GEMM FP32" or what the environment made of it; heads every failure message. */
    private String math;

    @BeforeEach
    void requireCuda() {
        CudaTests.assumeCuda();
        cuda = Backends.get("cuda");
        cpu = Backends.get("cpu");
        math = "cuBLAS math: " + ((CudaBackend) cuda).mathDescription() + "; tolerance 1e-4 + 1e-3 |cpu| assumes FP32";
        synchronized (CudaCrossBackendTest.class) {
            if (!told) {
                told = true;
                System.out.println("[cuda cross-backend] " + math);
            }
        }
    }

    /** Uniform in +-1/sqrt(fanIn), like a default-initialised layer, on the CPU (BackendDiff copies it). */
    private Tensor param(Rng rng, int fanIn, int... dims) {
        float bound = (float) (1 / Math.sqrt(fanIn));
        return Tensor.on(cpu).uniform(Shape.of(dims), -bound, bound, rng);
    }

    private Tensor labels(Rng rng, int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (int) Math.floor(rng.nextFloat() * classes) % classes;
        }
        return Tensor.on(cpu).fromInts(y, Shape.of(n));
    }

    @Test
    void mlpLossAndEveryGradientMatchTheCpu() {
        Rng rng = new Rng(11);
        List<Tensor> inputs = List.of(Tensor.on(cpu).uniform(Shape.of(32, 64), -1, 1, rng), param(rng, 64, 128, 64),
                param(rng, 64, 128), param(rng, 128, 10, 128), param(rng, 128, 10), labels(rng, 32, 10));
        BackendDiff.Report r = BackendDiff.compare(xs -> xs.get(0).matmul(xs.get(1), false, true).add(xs.get(2)).relu()
                .matmul(xs.get(3), false, true).add(xs.get(4)).crossEntropy(xs.get(5)), inputs, cuda, cpu, TOLERANCE);
        assertTrue(r.passed(), () -> math + "\n" + r.message());
        assertEquals(6, r.differences().size(), "the loss and five gradients were compared: " + r.differences());
    }

    @Test
    void lenetLossAndEveryGradientMatchTheCpu() {
        Rng rng = new Rng(12);
        List<Tensor> inputs = List.of(
                Tensor.on(cpu).uniform(Shape.of(8, 1, 28, 28), 0, 1, rng),
                param(rng, 25, 6, 1, 5, 5), param(rng, 25, 6),
                param(rng, 150, 16, 6, 5, 5), param(rng, 150, 16),
                param(rng, 400, 120, 400), param(rng, 400, 120),
                param(rng, 120, 84, 120), param(rng, 120, 84),
                param(rng, 84, 10, 84), param(rng, 84, 10),
                labels(rng, 8, 10));
        BackendDiff.Report r = BackendDiff.compare(xs -> xs.get(0)
                        .conv2d(xs.get(1), xs.get(2), 1, 1, 2, 2).relu().maxPool2d(2, 2, 2, 2, 0, 0)     // 6x14x14
                        .conv2d(xs.get(3), xs.get(4), 1, 1, 0, 0).relu().maxPool2d(2, 2, 2, 2, 0, 0)     // 16x5x5
                        .flatten(1).matmul(xs.get(5), false, true).add(xs.get(6)).relu()
                        .matmul(xs.get(7), false, true).add(xs.get(8)).relu()
                        .matmul(xs.get(9), false, true).add(xs.get(10))
                        .crossEntropy(xs.get(11)),
                inputs, cuda, cpu, TOLERANCE);
        assertTrue(r.passed(), () -> math + "\n" + r.message());
        assertEquals(12, r.differences().size(), "the loss and eleven gradients were compared: " + r.differences());
    }

    /**
     * One GPT block and its head, as the showcase trains it: token and position embeddings, pre-norm causal
     * self-attention over the packed projection, a GELU MLP, residuals, a final layer norm and logits tied to
     * the token embedding.
     */
    static Tensor gptBlockLoss(List<Tensor> xs, Tensor tokens, Tensor positions, Tensor targets, int heads) {
        Tensor wte = xs.get(0);
        int b = tokens.dim(0);
        int t = tokens.dim(1);
        Tensor x = wte.embedding(tokens, -1).add(xs.get(1).embedding(positions, -1));
        Tensor h = x.layerNorm(xs.get(2), xs.get(3), 1e-5f).linear(xs.get(4), xs.get(5))
                .selfAttention(heads, null, true).linear(xs.get(6), xs.get(7));
        x = x.add(h);
        Tensor m = x.layerNorm(xs.get(8), xs.get(9), 1e-5f).linear(xs.get(10), xs.get(11)).gelu()
                .linear(xs.get(12), xs.get(13));
        x = x.add(m).layerNorm(xs.get(14), xs.get(15), 1e-5f);
        Tensor logits = x.matmul(wte, false, true);
        return logits.reshape(b * t, wte.dim(0)).crossEntropy(targets);
    }

    /** Inputs of {@link #gptBlockLoss}: vocabulary 11, context 16, width 32, on the CPU. */
    static List<Tensor> gptBlockInputs(Backend cpu, Rng rng) {
        int v = 11;
        int t = 16;
        int c = 32;
        List<Tensor> xs = new ArrayList<>();
        xs.add(Tensor.on(cpu).randn(Shape.of(v, c), rng).mul(0.5f));
        xs.add(Tensor.on(cpu).randn(Shape.of(t, c), rng).mul(0.5f));
        for (int[] linear : new int[][] {{3 * c, c}, {c, c}, {4 * c, c}, {c, 4 * c}}) {
            if (linear[0] == 3 * c || linear[0] == 4 * c) {
                xs.add(Tensor.on(cpu).uniform(Shape.of(c), 0.5f, 1.5f, rng));   // layer norm weight
                xs.add(Tensor.on(cpu).uniform(Shape.of(c), -0.2f, 0.2f, rng));  // and bias
            }
            float bound = (float) (1 / Math.sqrt(linear[1]));
            xs.add(Tensor.on(cpu).uniform(Shape.of(linear), -bound, bound, rng));
            xs.add(Tensor.on(cpu).uniform(Shape.of(linear[0]), -bound, bound, rng));
        }
        xs.add(Tensor.on(cpu).uniform(Shape.of(c), 0.5f, 1.5f, rng));
        xs.add(Tensor.on(cpu).uniform(Shape.of(c), -0.2f, 0.2f, rng));
        return xs;
    }

    @Test
    void gptBlockLossAndEveryGradientMatchTheCpu() {
        Rng rng = new Rng(13);
        int b = 3;
        int t = 16;
        int[] ids = new int[b * t];
        int[] next = new int[b * t];
        int[] pos = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) (rng.nextFloat() * 11) % 11;
            next[i] = (int) (rng.nextFloat() * 11) % 11;
            pos[i] = i % t;
        }
        List<Tensor> inputs = new ArrayList<>(gptBlockInputs(cpu, rng));
        int floats = inputs.size();
        // int inputs are copied to each backend as constants
        inputs.add(Tensor.on(cpu).fromInts(ids, Shape.of(b, t)));
        inputs.add(Tensor.on(cpu).fromInts(pos, Shape.of(b, t)));
        inputs.add(Tensor.on(cpu).fromInts(next, Shape.of(b * t)));
        BackendDiff.Report r = BackendDiff.compare(xs -> gptBlockLoss(xs, xs.get(floats), xs.get(floats + 1),
                xs.get(floats + 2), 4), inputs, cuda, cpu, TOLERANCE);
        assertTrue(r.passed(), r.message());
        assertEquals(1 + floats, r.differences().size(), "the loss and every gradient: " + r.differences());
    }

    @Test
    void batchNormCnnAndAttentionOpsMatchTheCpu() {
        Rng rng = new Rng(14);
        Tensor rmCpu = Tensor.on(cpu).zeros(Shape.of(4));
        Tensor rvCpu = Tensor.on(cpu).ones(Shape.of(4));
        Tensor rmCuda = Tensor.on(cuda).zeros(Shape.of(4));
        Tensor rvCuda = Tensor.on(cuda).ones(Shape.of(4));
        List<Tensor> inputs = List.of(Tensor.on(cpu).uniform(Shape.of(6, 1, 12, 12), 0, 1, rng),
                param(rng, 9, 4, 1, 3, 3), Tensor.on(cpu).uniform(Shape.of(4), 0.5f, 1.5f, rng),
                param(rng, 4, 4), param(rng, 144, 5, 144), labels(rng, 6, 5));
        BackendDiff.Report r = BackendDiff.compare(xs -> {
            boolean onCuda = xs.get(0).backend() == cuda;
            return xs.get(0).conv2d(xs.get(1), null, 1, 1, 1, 1)
                    .batchNorm(onCuda ? rmCuda : rmCpu, onCuda ? rvCuda : rvCpu, xs.get(2), xs.get(3), true, 0.1f,
                            1e-5f)
                    .relu().maxPool2d(2, 2, 2, 2, 0, 0).flatten(1).matmul(xs.get(4), false, true)
                    .crossEntropy(xs.get(5));
        }, inputs, cuda, cpu, TOLERANCE);
        assertTrue(r.passed(), r.message());
        // both backends ran the same forward passes: their running statistics agree too
        assertTrue(BackendDiff.diff("running var", rvCuda, rvCpu, TOLERANCE).passed());

        float inf = Float.NEGATIVE_INFINITY;
        float[] maskValues = new float[5 * 7];
        for (int i = 0; i < maskValues.length; i++) {
            maskValues[i] = i % 7 == 3 && i / 7 > 0 ? inf : (i % 5) * 0.25f;
        }
        Tensor maskCpu = Tensor.on(cpu).fromFloats(maskValues, Shape.of(5, 7));
        Tensor maskCuda = Tensor.on(cuda).fromFloats(maskValues, Shape.of(5, 7));
        List<Tensor> attention = List.of(Tensor.on(cpu).uniform(Shape.of(2, 3, 5, 8), -1, 1, rng),
                Tensor.on(cpu).uniform(Shape.of(2, 3, 7, 8), -1, 1, rng),
                Tensor.on(cpu).uniform(Shape.of(2, 3, 7, 6), -1, 1, rng),
                Tensor.on(cpu).uniform(Shape.of(1, 3, 6, 4), -1, 1, rng));
        BackendDiff.Report a = BackendDiff.compare(xs -> {
            Tensor mask = xs.get(0).backend() == cuda ? maskCuda : maskCpu;
            Tensor y = Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), mask, false);
            Tensor z = xs.get(0).matmul(xs.get(1), false, true).maskedSoftmax(mask, true).matmul(xs.get(2));
            return y.matmul(xs.get(3)).sum().add(z.square().sum());
        }, attention, cuda, cpu, TOLERANCE);
        assertTrue(a.passed(), a.message());
    }

    private static Sequential mlp(long seed, Backend backend) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(64, 128, true, rng, backend), new ReLU(), new Linear(128, 10, true, rng, backend));
    }

    @Test
    void fiveSgdStepsStayClose() {
        Sequential onCpu = mlp(21, cpu);
        Sequential onCuda = mlp(21, cpu);
        onCuda.to(cuda);
        Rng data = new Rng(22);
        float[] x = Tensor.on(cpu).uniform(Shape.of(16, 64), -1, 1, data).toFloatArray();
        int[] y = new int[16];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 10;
        }
        try (Optimizer sgdCpu = new SGD(onCpu.parameters(), 0.1f, 0.9f, 0f, 1e-4f, false);
             Optimizer sgdCuda = new SGD(onCuda.parameters(), 0.1f, 0.9f, 0f, 1e-4f, false)) {
            for (int step = 1; step <= 5; step++) {
                float lossCpu = trainStep(onCpu, sgdCpu, x, y, cpu);
                float lossCuda = trainStep(onCuda, sgdCuda, x, y, cuda);
                assertTrue(Math.abs(lossCuda - lossCpu) <= 1e-4 + 1e-3 * Math.abs(lossCpu),
                        math + "\nstep " + step + ": loss cuda " + lossCuda + " vs cpu " + lossCpu);
                Map<String, Tensor> a = onCuda.namedParameters();
                for (Map.Entry<String, Tensor> e : onCpu.namedParameters().entrySet()) {
                    BackendDiff.Difference d = BackendDiff.diff("step " + step + " " + e.getKey(), a.get(e.getKey()),
                            e.getValue(), TOLERANCE);
                    assertTrue(d.passed(), () -> math + "\n" + d);
                }
            }
        }
    }

    private static float trainStep(Module model, Optimizer optimizer, float[] x, int[] y, Backend backend) {
        try (Scope step = Scope.open()) {
            Tensor input = Tensor.on(backend).fromFloats(x, Shape.of(y.length, 64));
            Tensor labels = Tensor.on(backend).fromInts(y, Shape.of(y.length));
            optimizer.zeroGrad();
            Tensor loss = model.forward(input).crossEntropy(labels);
            loss.backward();
            optimizer.step();
            return loss.item();
        }
    }

    @Test
    void aThousandTrainingStepsKeepDeviceMemoryFlat() {
        try (Backend own = new CudaBackendProvider().create()) {
            Sequential model = mlp(31, own);
            Rng data = new Rng(32);
            float[] x = Tensor.on(cpu).uniform(Shape.of(64, 64), -1, 1, data).toFloatArray();
            int[] y = new int[64];
            for (int i = 0; i < y.length; i++) {
                y[i] = (i * 7) % 10;
            }
            List<MemoryStats> after = new ArrayList<>();
            float first;
            float last = 0;
            try (Optimizer sgd = new SGD(model.parameters(), 0.05f, 0.9f, 0f, 0f, false)) {
                first = trainStep(model, sgd, x, y, own);
                after.add(own.memoryStats());
                for (int step = 2; step <= 1000; step++) {
                    last = trainStep(model, sgd, x, y, own);
                    if (step == 2 || step % 100 == 0) {
                        after.add(own.memoryStats());
                    }
                }
            }
            // In use: the same after every step. Device allocations: none after the second step (the first
            // creates the momentum buffers mid-step, so the second is the first with the steady-state peak).
            MemoryStats one = after.get(0);
            MemoryStats two = after.get(1);
            for (MemoryStats s : after) {
                assertEquals(one.inUse(), s.inUse(), "bytes in use after step 1 vs later: " + after);
            }
            for (MemoryStats s : after.subList(1, after.size())) {
                assertEquals(two.deviceAllocations(), s.deviceAllocations(), "device allocations after step 2: "
                        + after);
            }
            assertTrue(last < first, "the loss went down: " + first + " -> " + last);
            model.close();
        }
    }
}

package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.autograd.GradMode;
import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.SgdParams;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.tensor.TensorFactory;
import dev.flint.testing.CountingBackend;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A training step on the GPU queues its work and never waits for it: an MLP step (labels uploaded from
 * the host, fused softmax cross-entropy with its label check, backward, SGD, the loss summed on the
 * device) makes no host sync until the sum is read. Counted at the SPI with a {@link CountingBackend}
 * around the CUDA backend (on a real GPU and on the emulated driver) and, on the emulated driver of
 * {@code EmulatedCudaTest} when it sets {@code EMU_CUDA_SYNC_COUNT_FILE}, at the driver: calls of
 * {@code cuStreamSynchronize}, {@code cuMemcpyDtoHAsync} and {@code cuEventSynchronize}.
 */
@Tag("cuda")
class CudaHostSyncTest {
    private static final int STEPS = 5;

    @BeforeEach
    void requireCuda() {
        CudaTests.assumeCuda();
    }

    @Test
    void trainingStepsQueueWorkWithoutWaitingUntilTheLossIsRead() throws IOException {
        CountingBackend counting = CountingBackend.wrap(Backends.get("cuda"));
        Backend be = counting.backend();
        TensorFactory t = Tensor.on(be);
        Rng rng = new Rng(5);
        Tensor w1 = t.randn(Shape.of(16, 20), rng).mul(0.1f).requiresGrad(true);
        Tensor b1 = t.zeros(Shape.of(16)).requiresGrad(true);
        Tensor w2 = t.randn(Shape.of(4, 16), rng).mul(0.1f).requiresGrad(true);
        Tensor b2 = t.zeros(Shape.of(4)).requiresGrad(true);
        List<Tensor> params = List.of(w1, b1, w2, b2);
        Tensor lossSum = t.zeros(Shape.scalar());
        float[] x = new float[8 * 20];
        int[] y = new int[8];
        be.synchronize();
        long[] driverBefore = driverCounts();
        long before = counting.hostSyncs();
        for (int step = 0; step < STEPS; step++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextGaussian();
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = rng.nextInt(4);
            }
            try (Scope scope = Scope.open()) {
                params.forEach(Tensor::zeroGrad);
                Tensor loss = t.fromFloats(x, Shape.of(8, 20)).linear(w1, b1).relu().linear(w2, b2)
                        .crossEntropy(t.fromInts(y, Shape.of(8)));
                loss.backward();
                SgdParams sgd = new SgdParams(0.1f, 0f, 0f, 0f, false, step == 0);
                for (Tensor p : params) {
                    be.sgdUpdate(p.storage(), p.grad().storage(), null, p.size(), sgd);
                }
                try (GradMode.Guard noGrad = GradMode.noGrad()) {
                    lossSum.copyFrom(lossSum.add(loss.detach()));
                }
            }
        }
        long[] driverSteps = driverCounts();
        assertEquals(before, counting.hostSyncs(), "host syncs at the SPI during " + STEPS + " training steps");
        float total = lossSum.item();
        assertEquals(before + 1, counting.hostSyncs(), "reading the loss is the one sync");
        assertTrue(Float.isFinite(total) && total > 0, "summed loss " + total);
        long[] driverAfter = driverCounts();
        if (driverBefore != null) {
            assertEquals(driverBefore[0], driverSteps[0], "cuStreamSynchronize calls during the steps");
            assertEquals(driverBefore[1], driverSteps[1], "cuMemcpyDtoHAsync calls during the steps");
            // The uploads go through the pinned staging buffer: they must not wait for its events either.
            assertEquals(driverBefore[2], driverSteps[2], "cuEventSynchronize calls during the steps");
            assertEquals(driverSteps[1] + 1, driverAfter[1], "the read is one device-to-host copy");
            System.out.println("[emulated cuda] host syncs in " + STEPS + " training steps: 0 cuStreamSynchronize, "
                    + "0 cuMemcpyDtoH; reading the loss: " + (driverAfter[0] - driverSteps[0]) + " + "
                    + (driverAfter[1] - driverSteps[1]));
        }
    }

    /**
     * Attention runs as a few kernels whatever the number of heads (issue 11: "a handful of launches, not one
     * per head"): GPT's packed causal self-attention at nanoGPT's context (64) and head size (32) launches as
     * many kernels in its forward and in its backward primitive with 8 heads as with 1. Counted by the
     * emulated driver, which writes its totals at every sync: the backend is wrapped so that each attention
     * primitive runs between two syncs.
     */
    @Test
    void attentionLaunchesAsManyKernelsForEightHeadsAsForOne() throws IOException {
        Assumptions.assumeTrue(System.getenv("EMU_CUDA_SYNC_COUNT_FILE") != null,
                "kernel launches are counted by the emulated driver of EmulatedCudaTest only");
        Backend cuda = Backends.get("cuda");
        Map<String, Long> launches = new TreeMap<>();
        Backend timed = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (self, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {     // the wrapper's own identity
                        return switch (method.getName()) {
                            case "equals" -> self == args[0];
                            case "hashCode" -> System.identityHashCode(self);
                            default -> "launch-counting(cuda)";
                        };
                    }
                    boolean attention = method.getName().startsWith("attention");
                    long before = attention ? syncedLaunches(cuda) : 0;
                    Object result;
                    try {
                        result = method.invoke(cuda, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (attention) {
                        launches.merge(method.getName(), syncedLaunches(cuda) - before, Long::sum);
                    }
                    return result;
                });
        int[] heads = {1, 4, 8};
        List<Map<String, Long>> perHeads = new ArrayList<>();
        for (int h : heads) {
            launches.clear();
            try (Scope scope = Scope.open()) {
                Tensor qkv = Tensor.on(timed).randn(Shape.of(2, 64, 3 * 32 * h), new Rng(h)).requiresGrad(true);
                qkv.selfAttention(h, null, true).sum().backward();
            }
            perHeads.add(new TreeMap<>(launches));
        }
        System.out.println("[emulated cuda] kernel launches of packed causal self-attention (B 2, T 64, head size 32)"
                + " for 1, 4, 8 heads: " + perHeads);
        assertEquals(Map.of("attentionForward", 1L, "attentionBackward", 2L), perHeads.get(0),
                "one fused forward kernel; the backward's two (dQ, then dK and dV)");
        for (int i = 1; i < heads.length; i++) {
            assertEquals(perHeads.get(0), perHeads.get(i), "launches with " + heads[i] + " heads against 1 head");
        }
    }

    /** Kernel launches so far, after waiting for the device (the driver writes its totals at a sync). */
    private static long syncedLaunches(Backend cuda) throws IOException {
        cuda.synchronize();
        return driverLaunches();
    }

    /** Kernel launches so far, as the emulated driver wrote them at the last sync. */
    private static long driverLaunches() throws IOException {
        String file = System.getenv("EMU_CUDA_SYNC_COUNT_FILE");
        Matcher m = Pattern.compile("launches=(\\d+)").matcher(Files.readString(Path.of(file)));
        assertTrue(m.find(), "no launch count in the emulated driver's file");
        return Long.parseLong(m.group(1));
    }

    /** {cuStreamSynchronize, cuMemcpyDtoHAsync, cuEventSynchronize calls} from the emulated driver, or null elsewhere. */
    private static long[] driverCounts() throws IOException {
        String file = System.getenv("EMU_CUDA_SYNC_COUNT_FILE");
        if (file == null || !Files.exists(Path.of(file))) {
            return file == null ? null : new long[] {0, 0, 0};
        }
        Matcher m = Pattern.compile("stream_syncs=(\\d+) dtoh_copies=(\\d+) event_syncs=(\\d+)")
                .matcher(Files.readString(Path.of(file)));
        assertTrue(m.find(), "unreadable " + file);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }
}

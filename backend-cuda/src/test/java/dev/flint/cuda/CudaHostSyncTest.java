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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.MemoryStats;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the conformance suite does not reach: the CUDA backend's own launch paths (split reductions, long
 * softmax rows, ranks beyond the kernels' 8, 1x1 convolutions, GEMM with k = 0), its memory pool and its
 * lifecycle, each compared with the CPU backend where there are values ({@code |a - b| <= atol + rtol |b|},
 * reporting the worst element).
 */
@Tag("cuda")
class CudaBackendTest {
    private Backend cuda;
    private Backend cpu;

    @BeforeEach
    void requireCuda() {
        CudaTests.assumeCuda();
        cuda = Backends.get("cuda");
        cpu = Backends.get("cpu");
    }

    @Test
    void describesTheDevice() {
        String d = cuda.deviceDescription();
        assertTrue(d.contains("compute") && d.contains("libcublas.so.1"), d);
    }

    /**
     * Host transfers go through a pinned staging buffer in chunks: with 4 KiB halves (1,024 elements), long
     * transfers at odd offsets arrive whole, a second upload reuses the halves while the first's copies may
     * still be queued (the emulated driver defers them to the next synchronization, as a GPU would run them
     * later), and the caller's array may be overwritten as soon as upload returns.
     */
    @Test
    void transfersLongerThanTheStagingBufferArriveWholeAndInOrder() {
        String old = System.getProperty("flint.cuda.stagingBytes");
        System.setProperty("flint.cuda.stagingBytes", "4096");
        CudaBackend small;
        try {
            small = (CudaBackend) new CudaBackendProvider().create();
        } finally {
            if (old == null) {
                System.clearProperty("flint.cuda.stagingBytes");
            } else {
                System.setProperty("flint.cuda.stagingBytes", old);
            }
        }
        try (small) {
            assertEquals(0, small.pinnedBytes(), "nothing pinned before the first transfer");
            float[] host = random(10_000, 41);
            Storage s = small.allocate(DType.FLOAT32, 10_005);
            small.upload(host, 3, s, 5, 9_990);
            float[] second = random(3_000, 42);
            float[] secondCopy = second.clone();
            Storage t = small.allocate(DType.FLOAT32, 3_000);
            small.upload(second, 0, t, 0, 3_000);
            java.util.Arrays.fill(second, -7f);                   // the caller's array is free once upload returns
            int[] ints = new int[2_500];
            for (int i = 0; i < ints.length; i++) {
                ints[i] = i * 31 - 5_000;
            }
            Storage u = small.allocate(DType.INT32, 2_600);
            small.upload(ints, 100, u, 1, 2_400);
            assertEquals(8192, small.pinnedBytes(), "two halves of 4 KiB");

            float[] back = new float[10_000];
            small.download(s, 5, back, 7, 9_990);
            for (int i = 0; i < 9_990; i++) {
                assertEquals(host[3 + i], back[7 + i], "element " + i + " of the long float transfer");
            }
            assertArrayEquals(secondCopy, download(small, t), "the upload whose source was overwritten after it returned");
            int[] intsBack = new int[2_401];
            small.download(u, 1, intsBack, 1, 2_400);
            for (int i = 0; i < 2_400; i++) {
                assertEquals(ints[100 + i], intsBack[1 + i], "element " + i + " of the int transfer");
            }
            s.release();
            t.release();
            u.release();
        }
        assertEquals(0, small.pinnedBytes(), "close frees the pinned memory");
    }

    @Test
    void splitRowReductionsMatchTheCpu() {
        for (ReduceOp op : ReduceOp.values()) {
            int outer = 2;
            int extent = 1 << 20;
            float[] x = random(outer * extent, 1);
            assertClose("reduce " + op + " (2, 2^20, 1)", run(cpu, op, x, outer, extent, 1), run(cuda, op, x, outer,
                    extent, 1), 1e-3, 1e-4);
        }
    }

    @Test
    void columnReductionsMatchTheCpu() {
        float[] x = random(64 * 300 * 7, 2);
        assertClose("reduce SUM (64, 300, 7)", run(cpu, ReduceOp.SUM, x, 64, 300, 7), run(cuda, ReduceOp.SUM, x, 64,
                300, 7), 1e-4, 1e-4);
    }

    @Test
    void shortRowReductionsMatchTheCpu() {
        float[] x = random(1000 * 10, 12);
        for (ReduceOp op : ReduceOp.values()) {
            assertClose("reduce " + op + " (1000, 10, 1)", run(cpu, op, x, 1000, 10, 1), run(cuda, op, x, 1000, 10, 1),
                    1e-5, 1e-5);
        }
    }

    private static float[] run(Backend b, ReduceOp op, float[] x, int outer, int extent, int inner) {
        Storage in = upload(b, x);
        Storage out = b.allocate(DType.FLOAT32, outer * inner);
        b.reduce(op, in, outer, extent, inner, out);
        float[] r = download(b, out);
        in.release();
        out.release();
        return r;
    }

    @Test
    void longSoftmaxRowsMatchTheCpu() {
        for (int cols : new int[] {1025, 4096, 5003, 8192}) {
            for (boolean log : new boolean[] {false, true}) {
                int rows = 3;
                float[] x = random(rows * cols, cols);
                assertClose((log ? "log-" : "") + "softmax cols=" + cols, softmax(cpu, log, x, rows, cols),
                        softmax(cuda, log, x, rows, cols), 1e-6, 1e-4);
            }
        }
    }

    private static float[] softmax(Backend b, boolean log, float[] x, int rows, int cols) {
        Storage in = upload(b, x);
        Storage out = b.allocate(DType.FLOAT32, x.length);
        b.softmaxForward(log, in, out, rows, cols);
        float[] r = download(b, out);
        in.release();
        out.release();
        return r;
    }

    @Test
    void binaryBeyondRankEightMatchesTheCpu() {
        // Rank 9 with broadcasting on alternate axes: nothing merges, so the launcher loops on the host.
        int[] dims = {2, 3, 2, 3, 2, 3, 2, 3, 2};
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        int[] aStrides = new int[9];
        int[] bStrides = new int[9];
        int sa = 1;
        int sb = 1;
        for (int i = 8; i >= 0; i--) {
            if (i % 2 == 0) {
                aStrides[i] = sa;
                sa *= dims[i];
            } else {
                bStrides[i] = sb;
                sb *= dims[i];
            }
        }
        float[] a = random(sa, 3);
        float[] b = random(sb, 4);
        assertClose("binary SUB rank 9", binary(cpu, a, aStrides, b, bStrides, dims, n),
                binary(cuda, a, aStrides, b, bStrides, dims, n), 0, 0);
    }

    private static float[] binary(Backend be, float[] a, int[] as, float[] b, int[] bs, int[] dims, int n) {
        Storage da = upload(be, a);
        Storage db = upload(be, b);
        Storage out = be.allocate(DType.FLOAT32, n);
        be.binary(BinaryOp.SUB, da, as, db, bs, out, dims);
        float[] r = download(be, out);
        da.release();
        db.release();
        out.release();
        return r;
    }

    @Test
    void permuteBeyondRankEightMatchesTheCpu() {
        int[] dims = {2, 3, 2, 2, 3, 2, 2, 3, 2, 2};
        int[] perm = {9, 0, 8, 1, 7, 2, 6, 3, 5, 4};
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] x = random(n, 5);
        assertClose("permute rank 10", permute(cpu, x, dims, perm), permute(cuda, x, dims, perm), 0, 0);
    }

    private static float[] permute(Backend b, float[] x, int[] dims, int[] perm) {
        Storage in = upload(b, x);
        Storage out = b.allocate(DType.FLOAT32, x.length);
        b.permute(in, dims, perm, out);
        float[] r = download(b, out);
        in.release();
        out.release();
        return r;
    }

    @Test
    void pointwiseConvolutionMatchesTheCpuInAllThreeDirections() {
        ConvGeometry g = new ConvGeometry(3, 5, 6, 7, 4, 1, 1, 1, 1, 0, 0);
        float[] x = random(g.inputSize(), 6);
        float[] w = random(g.weightSize(), 7);
        float[] bias = random(4, 8);
        float[] dy = random(g.outputSize(), 9);
        for (Backend b : new Backend[] {cpu, cuda}) {
            b.synchronize();
        }
        float[][] ref = conv(cpu, g, x, w, bias, dy);
        float[][] got = conv(cuda, g, x, w, bias, dy);
        assertClose("1x1 conv forward", ref[0], got[0], 1e-5, 1e-4);
        assertClose("1x1 conv backward data", ref[1], got[1], 1e-5, 1e-4);
        assertClose("1x1 conv backward weight", ref[2], got[2], 1e-5, 1e-4);
    }

    private static float[][] conv(Backend b, ConvGeometry g, float[] x, float[] w, float[] bias, float[] dy) {
        Storage dx = upload(b, x);
        Storage dw = upload(b, w);
        Storage db = upload(b, bias);
        Storage ddy = upload(b, dy);
        Storage y = b.allocate(DType.FLOAT32, g.outputSize());
        Storage gx = b.allocate(DType.FLOAT32, g.inputSize());
        Storage gw = b.allocate(DType.FLOAT32, g.weightSize());
        b.conv2dForward(g, dx, dw, db, y);
        b.conv2dBackwardData(g, ddy, dw, gx);
        b.conv2dBackwardWeight(g, dx, ddy, gw);
        float[][] r = {download(b, y), download(b, gx), download(b, gw)};
        for (Storage s : new Storage[] {dx, dw, db, ddy, y, gx, gw}) {
            s.release();
        }
        return r;
    }

    @Test
    void gemmWithEmptyInnerDimensionScalesC() {
        Storage a = cuda.allocate(DType.FLOAT32, 1);
        Storage c = upload(cuda, new float[] {1, 2, 3, 4, 5, 6});
        cuda.gemm(Gemm.of(2, 3, 0).a(a, false).b(a, false).beta(0.5f).into(c, 0, 6));
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, download(cuda, c));
        cuda.fill(c, 0, 6, Float.NaN);
        cuda.gemm(Gemm.of(2, 3, 0).a(a, false).b(a, false).into(c, 0, 6));
        assertArrayEquals(new float[6], download(cuda, c), "beta 0 ignores NaN in C");
        a.release();
        c.release();
    }

    @Test
    void theMemoryPoolReusesReleasedBlocks() {
        try (Backend own = new CudaBackendProvider().create()) {
            Storage warm = own.allocate(DType.FLOAT32, 1000);
            warm.release();
            MemoryStats before = own.memoryStats();
            for (int i = 0; i < 100; i++) {
                Storage s = own.allocate(DType.FLOAT32, 900 + i);   // all within the 4096-byte class
                own.unary(Unary.of(UnaryOp.NEG), s, s, 900 + i);
                s.release();
            }
            MemoryStats after = own.memoryStats();
            assertEquals(before.deviceAllocations(), after.deviceAllocations(), "no new device allocation: " + after);
            assertEquals(before.cacheHits() + 100, after.cacheHits(), after.toString());
            assertEquals(0, after.inUse(), after.toString());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        Backend own = new CudaBackendProvider().create();
        Storage s = own.allocate(DType.FLOAT32, 16);
        own.close();
        own.close();
        s.release();                                          // after close: harmless
        assertThrows(IllegalStateException.class, () -> own.allocate(DType.FLOAT32, 4));
    }

    @Test
    void synchronousModeRunsTheSameOps() {
        String old = System.getProperty("flint.cuda.sync");
        System.setProperty("flint.cuda.sync", "true");
        try (Backend own = new CudaBackendProvider().create()) {
            assertTrue(own.deviceDescription().contains("synchronous"), own.deviceDescription());
            float[] x = random(10_000, 11);
            Storage s = upload(own, x);
            own.unary(Unary.of(UnaryOp.SQUARE), s, s, x.length);
            float[] r = download(own, s);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i] * x[i], r[i], 0f);
            }
            s.release();
        } finally {
            if (old == null) {
                System.clearProperty("flint.cuda.sync");
            } else {
                System.setProperty("flint.cuda.sync", old);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    static float[] random(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * 2);
        }
        return x;
    }

    static Storage upload(Backend b, float[] x) {
        Storage s = b.allocate(DType.FLOAT32, x.length);
        b.upload(x, 0, s, 0, x.length);
        return s;
    }

    static float[] download(Backend b, Storage s) {
        float[] r = new float[s.size()];
        b.download(s, 0, r, 0, r.length);
        return r;
    }

    /** {@code |got - ref| <= atol + rtol |ref|} everywhere, else a message with the worst element and where. */
    static void assertClose(String what, float[] ref, float[] got, double atol, double rtol) {
        assertEquals(ref.length, got.length, what + ": length");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs((double) got[i] - ref[i]);
            double excess = err - (atol + rtol * Math.abs(ref[i]));
            if (Double.isNaN(err) != Double.isNaN(ref[i]) || excess > worstExcess) {
                worst = i;
                worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
            }
        }
        if (worst >= 0) {
            throw new AssertionError(String.format("%s: worst element %d: cuda %s vs cpu %s (|diff| %.3g > %.3g + %.3g"
                    + " * |ref|)", what, worst, got[worst], ref[worst], Math.abs((double) got[worst] - ref[worst]),
                    atol, rtol));
        }
    }
}

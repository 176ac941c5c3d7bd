package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Gemm;
import dev.flint.backend.MemoryStats;
import dev.flint.backend.Storage;
import dev.flint.backend.DType;
import org.junit.jupiter.api.Test;

class CpuBackendTest {
    private final CpuBackend cpu = new CpuBackend();

    @Test
    void memoryStatsTrackInUseAndPeak() {
        Storage a = cpu.allocate(DType.FLOAT32, 1000);
        Storage b = cpu.allocate(DType.INT32, 500);
        MemoryStats s = cpu.memoryStats();
        assertEquals(6000, s.inUse());
        assertEquals(6000, s.peakInUse());
        assertEquals(0, s.cached());
        assertEquals(2, s.deviceAllocations());
        a.retain();
        a.release();
        assertEquals(6000, cpu.memoryStats().inUse(), "still one holder");
        a.release();
        a.release();
        assertEquals(2000, cpu.memoryStats().inUse(), "extra releases are ignored");
        assertEquals(6000, cpu.memoryStats().peakInUse());
        b.release();
        assertEquals(0, cpu.memoryStats().inUse());
    }

    @Test
    void freedArraysAreReusedBySize() {
        CpuStorage a = (CpuStorage) cpu.allocate(DType.FLOAT32, 4096);
        float[] array = a.floats();
        a.release();
        assertEquals(4096 * 4, cpu.memoryStats().cached());
        CpuStorage b = (CpuStorage) cpu.allocate(DType.FLOAT32, 4096);
        assertTrue(b.floats() == array, "the freed array of the same length is reused");
        assertEquals(0, cpu.memoryStats().cached());
        assertEquals(1, cpu.memoryStats().cacheHits());
        CpuStorage c = (CpuStorage) cpu.allocate(DType.FLOAT32, 4097);
        assertTrue(c.floats() != array, "lengths must match exactly");
        b.release();
        c.release();
        cpu.close();
        assertEquals(0, cpu.memoryStats().cached(), "close drops the pool");
    }

    @Test
    void trainingStepsAllocateNoNewArraysAfterTheFirst() {
        dev.flint.tensor.Rng rng = new dev.flint.tensor.Rng(5);
        dev.flint.tensor.Tensor w = dev.flint.tensor.Tensor.on(cpu).uniform(dev.flint.tensor.Shape.of(64, 100), -0.1f, 0.1f,
                rng).requiresGrad(true);
        dev.flint.tensor.Tensor x = dev.flint.tensor.Tensor.on(cpu).uniform(dev.flint.tensor.Shape.of(32, 100), 0, 1, rng);
        dev.flint.tensor.Tensor y = dev.flint.tensor.Tensor.on(cpu).fromInts(new int[32], dev.flint.tensor.Shape.of(32));
        long fresh = 0;
        for (int step = 0; step < 5; step++) {
            try (dev.flint.tensor.Scope scope = dev.flint.tensor.Scope.open()) {
                x.matmul(w, false, true).relu().crossEntropy(y).backward();
                w.zeroGrad();
            }
            if (step == 1) {
                fresh = cpu.pooledSizeMisses();
            }
        }
        assertEquals(fresh, cpu.pooledSizeMisses(),
                "steps after the second allocate no new arrays of pooled sizes: " + cpu.memoryStats());
    }

    @Test
    void freedStorageCannotBeRead() {
        Storage a = cpu.allocate(DType.FLOAT32, 4);
        a.release();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> cpu.download(a, 0, new float[4], 0, 4));
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
    }

    @Test
    void uploadDownloadFillCastAndCopyBlocks() {
        Storage f = cpu.allocate(DType.FLOAT32, 6);
        cpu.upload(new float[] {9, 1.5f, -2.7f, 3, 4, 5}, 1, f, 0, 5);
        cpu.fill(f, 5, 1, 7f);
        float[] back = new float[6];
        cpu.download(f, 0, back, 0, 6);
        assertArrayEquals(new float[] {1.5f, -2.7f, 3, 4, 5, 7}, back);

        Storage i = cpu.allocate(DType.INT32, 6);
        cpu.cast(f, i, 6);
        int[] ints = new int[6];
        cpu.download(i, 0, ints, 0, 6);
        assertArrayEquals(new int[] {1, -2, 3, 4, 5, 7}, ints, "float to int truncates toward zero");
        cpu.fill(i, 0, 2, 3.9f);
        cpu.cast(i, f, 6);
        cpu.download(f, 0, back, 0, 6);
        assertArrayEquals(new float[] {3, 3, 3, 4, 5, 7}, back);

        // rows 0 and 2 of a 3x2 matrix into a 2x3 buffer's first two columns
        Storage dst = cpu.allocate(DType.FLOAT32, 6);
        cpu.fill(dst, 0, 6, -1f);
        cpu.copyBlocks(f, 0, 4, dst, 0, 3, 2, 2);
        cpu.download(dst, 0, back, 0, 6);
        assertArrayEquals(new float[] {3, 3, -1, 5, 7, -1}, back);
    }

    @Test
    void batchedGemmWithSharedMatrixMatchesLoop() {
        int batch = 5;
        int m = 3;
        int n = 4;
        int k = 2;
        float[] a = new float[batch * m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) - 3;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) - 2;
        }
        Storage sa = cpu.allocate(DType.FLOAT32, a.length);
        Storage sb = cpu.allocate(DType.FLOAT32, b.length);
        Storage sc = cpu.allocate(DType.FLOAT32, batch * m * n);
        cpu.upload(a, 0, sa, 0, a.length);
        cpu.upload(b, 0, sb, 0, b.length);
        cpu.fill(sc, 0, batch * m * n, Float.NaN);
        cpu.gemm(Gemm.of(m, n, k).a(sa, 0, m * k, false).b(sb, false).batch(batch).alpha(2f).into(sc, 0, m * n));
        float[] c = new float[batch * m * n];
        cpu.download(sc, 0, c, 0, c.length);
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float expect = 0;
                    for (int q = 0; q < k; q++) {
                        expect += a[p * m * k + i * k + q] * b[q * n + j];
                    }
                    assertEquals(2 * expect, c[p * m * n + i * n + j], 1e-5f, "batch " + p + " (" + i + ", " + j + ")");
                }
            }
        }
    }
}

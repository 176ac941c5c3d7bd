package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.Storage;
import dev.flint.cuda.memory.CachingAllocator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Out-of-memory handling against a real driver's CUDA_ERROR_OUT_OF_MEMORY: the cache is emptied and the
 * request retried, and a request that cannot fit fails with the pool statistics. The same for cuBLAS's
 * own allocation (its workspace, CUBLAS_STATUS_ALLOC_FAILED). Filling a real GPU is slow and unkind to
 * its other users, so this runs only on a device of at most 1 GiB: the emulated driver with
 * {@code EMU_CUDA_MEMORY_MIB} (EmulatedCudaTest sets 256, and a 64 MiB cuBLAS workspace with
 * {@code EMU_CUBLAS_WORKSPACE_MIB}).
 */
@Tag("cuda")
class CudaOutOfMemoryTest {
    private CudaBackend cuda;
    private long total;

    @BeforeEach
    void requireASmallDevice() {
        CudaTests.assumeCuda();
        total = new CudaBackendProvider().create() instanceof CudaBackend b ? closeAndSize(b) : 0;
        Assumptions.assumeTrue(total > 0 && total <= 1L << 30, "needs a device of at most 1 GiB (the emulated"
                + " driver with EMU_CUDA_MEMORY_MIB); this one has " + (total >> 20) + " MiB");
        cuda = (CudaBackend) new CudaBackendProvider().create();
    }

    private static long closeAndSize(CudaBackend b) {
        try (b) {
            return b.device().totalMemory();
        }
    }

    @Test
    void cachedBlocksAreFreedAndTheRequestRetried() {
        int quarter = (int) (total / 4 / 4);                       // floats in a quarter of the device
        Storage a = cuda.allocate(DType.FLOAT32, quarter);
        Storage b = cuda.allocate(DType.FLOAT32, quarter);
        Storage c = cuda.allocate(DType.FLOAT32, quarter);
        b.release();
        c.release();                                               // half the device cached, a quarter in use
        long before = cuda.memoryStats().deviceAllocations();
        Storage big = cuda.allocate(DType.FLOAT32, 2 * quarter);   // fits only once the cache is emptied
        assertEquals(0, cuda.memoryStats().cached(), "the cache was emptied: " + cuda.memoryStats());
        assertEquals(before + 1, cuda.memoryStats().deviceAllocations(), cuda.memoryStats().toString());
        big.release();
        a.release();
        cuda.close();
    }

    @Test
    void aRequestThatCannotFitReportsThePool() {
        Storage a = cuda.allocate(DType.FLOAT32, (int) (total / 4 / 2));
        CachingAllocator.AllocationFailedException e = assertThrows(CachingAllocator.AllocationFailedException.class,
                () -> cuda.allocate(DType.FLOAT32, (int) (total / 4)));
        assertTrue(e.getMessage().startsWith("cuda: out of memory allocating " + total + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("in use " + String.format("%.1f MiB", total / 2 / 1048576.0)),
                e.getMessage());
        assertTrue(e.getMessage().contains("device: "), e.getMessage());
        a.release();
        cuda.close();
    }

    /** The emulated cuBLAS's workspace: what its first GEMM allocates (skips where it is not set). */
    private static long workspaceBytes() {
        String mib = System.getenv("EMU_CUBLAS_WORKSPACE_MIB");
        Assumptions.assumeTrue(mib != null && Long.parseLong(mib) > 0, "needs the emulated cuBLAS with a workspace"
                + " (EMU_CUBLAS_WORKSPACE_MIB)");
        return Long.parseLong(mib) << 20;
    }

    /** C = A B for 2x2 matrices, through cuBLAS; returns C. */
    private float[] gemm2x2(Storage a, Storage b, Storage c) {
        cuda.gemm(Gemm.of(2, 2, 2).a(a, false).b(b, false).into(c));
        float[] out = new float[4];
        cuda.download(c, 0, out, 0, 4);
        return out;
    }

    private Storage matrix(float... values) {
        Storage s = cuda.allocate(DType.FLOAT32, values.length);
        cuda.upload(values, 0, s, 0, values.length);
        return s;
    }

    @Test
    void aCublasWorkspaceFailureEmptiesTheCacheAndRetries() {
        long workspace = workspaceBytes();
        Storage a = matrix(1, 2, 3, 4);
        Storage b = matrix(5, 6, 7, 8);
        Storage c = cuda.allocate(DType.FLOAT32, 4);
        int block = (int) (workspace / 4);                         // floats in one workspace's worth
        long live = (total - 2 * workspace) / 4;                   // leave room for one block and not quite a workspace
        Storage used = cuda.allocate(DType.FLOAT32, (int) live);
        cuda.allocate(DType.FLOAT32, block).release();            // cached: the workspace fits only once it is freed
        assertEquals(workspace, cuda.memoryStats().cached(), cuda.memoryStats().toString());

        assertArrayEquals(new float[] {19, 22, 43, 50}, gemm2x2(a, b, c));
        assertEquals(0, cuda.memoryStats().cached(), "the cache was emptied for cuBLAS: " + cuda.memoryStats());
        used.release();
        release(a, b, c);
        cuda.close();
    }

    @Test
    void aCublasWorkspaceThatCannotFitReportsThePool() {
        long workspace = workspaceBytes();
        Storage a = matrix(1, 2, 3, 4);
        Storage b = matrix(5, 6, 7, 8);
        Storage c = cuda.allocate(DType.FLOAT32, 4);
        Storage used = cuda.allocate(DType.FLOAT32, (int) ((total - workspace) / 4));
        CachingAllocator.AllocationFailedException e = assertThrows(CachingAllocator.AllocationFailedException.class,
                () -> gemm2x2(a, b, c));
        assertTrue(e.getMessage().startsWith("cuda: out of memory in cublasSgemm(NN m=2 n=2 k=2) failed:"
                + " CUBLAS_STATUS_ALLOC_FAILED even after freeing 0.0 MiB of cached blocks: in use "), e.getMessage());
        assertTrue(e.getMessage().contains("device: "), e.getMessage());

        used.release();                                            // room again: the same call now succeeds
        assertArrayEquals(new float[] {19, 22, 43, 50}, gemm2x2(a, b, c));
        release(a, b, c);
        cuda.close();
    }

    private static void release(Storage... storages) {
        for (Storage s : storages) {
            s.release();
        }
    }
}

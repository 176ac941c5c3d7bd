package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Storage;
import dev.flint.cuda.memory.CachingAllocator;
import dev.flint.backend.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Out-of-memory handling against a real driver's CUDA_ERROR_OUT_OF_MEMORY: the cache is emptied and the
 * request retried, and a request that cannot fit fails with the pool statistics. Filling a real GPU is
 * slow and unkind to its other users, so this runs only on a device of at most 1 GiB: the emulated driver
 * with {@code EMU_CUDA_MEMORY_MIB} (EmulatedCudaTest sets 256).
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
}

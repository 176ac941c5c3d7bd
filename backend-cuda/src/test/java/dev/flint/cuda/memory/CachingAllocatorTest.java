package dev.flint.cuda.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.MemoryStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The allocator's policy on a fake device (no GPU): size classes, reuse, statistics, OOM retry, close. */
class CachingAllocatorTest {

    /** A device with a capacity; blocks are numbered so identity is visible. */
    static final class FakeDevice implements DeviceMemory<long[]> {
        final long capacity;
        long used;
        int allocations;
        int frees;
        int syncs;
        final List<long[]> live = new ArrayList<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long[] allocate(long bytes) {
            if (used + bytes > capacity) {
                throw new OutOfDeviceMemoryException("fake: out of memory", null);
            }
            used += bytes;
            allocations++;
            long[] block = {bytes, allocations};
            live.add(block);
            return block;
        }

        @Override
        public void free(long[] block) {
            assertTrue(live.remove(block), "freed a block the device does not have");
            used -= block[0];
            frees++;
        }

        @Override
        public void synchronize() {
            syncs++;
        }

        @Override
        public long[] deviceMemoryInfo() {
            return new long[] {capacity - used, capacity};
        }
    }

    @Test
    void sizeClassesRoundTo512BytesThenTo2MiB() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1L << 20, CachingAllocator.sizeClass(1L << 20));
        assertEquals(2L << 20, CachingAllocator.sizeClass((1L << 20) + 1));
        assertEquals(4L << 20, CachingAllocator.sizeClass((2L << 20) + 1));
    }

    @Test
    void releasedBlocksAreReusedWithinTheirClass() {
        FakeDevice device = new FakeDevice(1L << 30);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        long[] a = pool.allocate(1000);
        pool.release(a);
        long[] b = pool.allocate(900);                 // same class (1024): the same block
        assertSame(a, b);
        long[] c = pool.allocate(2000);                // another class: a new block
        assertEquals(2, device.allocations);
        assertEquals(new MemoryStats(1024 + 2048, 0, 3072, 2, 1), pool.stats());
        pool.release(b);
        pool.release(c);
        assertEquals(new MemoryStats(0, 3072, 3072, 2, 1), pool.stats());
    }

    @Test
    void aTrainingLoopStopsAllocatingAfterItsFirstStep() {
        FakeDevice device = new FakeDevice(1L << 30);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        long[] sizes = {4 * 784 * 128, 4 * 128, 4 * 128 * 10, 4 * 10, 4 * 64 * 784, 4 * 64 * 128, 4 * 64 * 10, 4 * 64};
        for (int step = 0; step < 1000; step++) {
            List<long[]> blocks = new ArrayList<>();
            for (long s : sizes) {
                blocks.add(pool.allocate(s));
            }
            blocks.forEach(pool::release);
            if (step == 0) {
                assertEquals(sizes.length, device.allocations, "first step allocates each buffer once");
            }
        }
        assertEquals(sizes.length, device.allocations, "no device allocation after the first step");
        assertEquals(0, pool.stats().inUse());
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
        FakeDevice device = new FakeDevice(8L << 20);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        long[] big = pool.allocate(6L << 20);
        pool.release(big);                             // cached: 6 MiB held, 2 MiB free on the device
        long[] other = pool.allocate(4L << 20);        // does not fit until the cache is emptied
        assertEquals(1, device.frees, "the cached block went back to the device");
        assertTrue(device.syncs >= 1, "the stream drained before freeing");
        assertEquals(new MemoryStats(4L << 20, 0, 6L << 20, 2, 0), pool.stats());
        pool.release(other);
    }

    @Test
    void outOfMemoryAfterTheRetryReportsTheRequestAndThePool() {
        FakeDevice device = new FakeDevice(8L << 20);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        pool.allocate(6L << 20);
        CachingAllocator.AllocationFailedException e = assertThrows(CachingAllocator.AllocationFailedException.class,
                () -> pool.allocate(3L << 20));
        assertTrue(e.getMessage().contains("allocating 3145728 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("in use 6.0 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("device: 2.0 MiB free of 8.0 MiB"), e.getMessage());
    }

    @Test
    void closeFreesEverythingOnceAndLaterReleasesAreIgnored() {
        FakeDevice device = new FakeDevice(1L << 30);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        long[] live = pool.allocate(100);
        pool.release(pool.allocate(5000));
        pool.close();
        assertTrue(device.live.isEmpty(), "every block freed");
        pool.close();
        pool.release(live);
        assertEquals(2, device.frees);
        assertThrows(IllegalStateException.class, () -> pool.allocate(1));
    }

    @Test
    void releasingAForeignOrFreedBlockIsAnError() {
        CachingAllocator<long[]> pool = new CachingAllocator<>(new FakeDevice(1L << 30));
        long[] a = pool.allocate(10);
        pool.release(a);
        assertThrows(IllegalStateException.class, () -> pool.release(a));
        assertThrows(IllegalStateException.class, () -> pool.release(new long[] {512, 99}));
    }

    @Test
    void anOutsideAllocationFailureEmptiesTheCacheAndRunsOnceMore() {
        FakeDevice device = new FakeDevice(10_000_000);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        pool.release(pool.allocate(4_194_304));                    // 4 MiB cached
        int[] calls = {0};
        pool.retryAfterEmptyingCache(() -> {
            calls[0]++;
            if (device.used > 0) {                                 // like cuBLAS: no room for its workspace yet
                throw new DeviceMemory.OutOfDeviceMemoryException("cublasSgemm(NN m=2 n=2 k=2) failed:"
                        + " CUBLAS_STATUS_ALLOC_FAILED", null);
            }
        });
        assertEquals(2, calls[0], "failed, emptied, ran again");
        assertEquals(0, pool.stats().cached());
        assertEquals(0, device.used);
    }

    @Test
    void anOutsideAllocationThatFailsTwiceReportsThePool() {
        FakeDevice device = new FakeDevice(10_000_000);
        CachingAllocator<long[]> pool = new CachingAllocator<>(device);
        pool.allocate(2_097_152);
        pool.release(pool.allocate(512));
        int[] calls = {0};
        CachingAllocator.AllocationFailedException e = assertThrows(CachingAllocator.AllocationFailedException.class,
                () -> pool.retryAfterEmptyingCache(() -> {
                    calls[0]++;
                    throw new DeviceMemory.OutOfDeviceMemoryException("cublasSgemm(NN m=2 n=2 k=2) failed:"
                            + " CUBLAS_STATUS_ALLOC_FAILED", null);
                }));
        assertEquals(2, calls[0]);
        assertEquals("cuda: out of memory in cublasSgemm(NN m=2 n=2 k=2) failed: CUBLAS_STATUS_ALLOC_FAILED even after"
                + " freeing 0.0 MiB of cached blocks: " + pool.stats() + "; device: 7.5 MiB free of 9.5 MiB",
                e.getMessage());
    }

    @Test
    void otherFailuresAreNotRetried() {
        CachingAllocator<long[]> pool = new CachingAllocator<>(new FakeDevice(1_000_000));
        int[] calls = {0};
        assertThrows(IllegalStateException.class, () -> pool.retryAfterEmptyingCache(() -> {
            calls[0]++;
            throw new IllegalStateException("cublasSgemm failed: CUBLAS_STATUS_INVALID_VALUE");
        }));
        assertEquals(1, calls[0]);
    }
}

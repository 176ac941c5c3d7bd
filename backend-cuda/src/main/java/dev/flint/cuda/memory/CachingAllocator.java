package dev.flint.cuda.memory;

import dev.flint.backend.MemoryStats;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A caching allocator over {@link DeviceMemory}: requests are rounded up to a size class (a multiple of
 * 512 bytes up to 1 MiB, of 2 MiB above), released blocks go to a free list per class, and a request
 * takes a block of its class from the list before asking the device. A training loop that allocates
 * the same shapes every step therefore stops allocating from the device after its first step.
 *
 * <p>Reuse is safe without events because all work runs on one stream: a block released while a
 * queued kernel still reads it can only be handed to work queued after that kernel.
 *
 * <p>On out-of-memory the allocator frees its cached blocks and retries once; if that fails too it
 * throws an {@link AllocationFailedException} giving the request and the pool statistics. Device memory
 * taken outside the pool (cuBLAS's workspace) gets the same treatment through
 * {@link #retryAfterEmptyingCache}.
 *
 * <pre>{@code
 * CachingAllocator<DeviceBuffer> pool = new CachingAllocator<>(memory);
 * DeviceBuffer b = pool.allocate(1000);      // a 1024-byte block
 * pool.release(b);                            // cached, not freed
 * pool.allocate(900);                         // the same block again: a cache hit
 * }</pre>
 *
 * @param <B> the block type
 */
public final class CachingAllocator<B> implements AutoCloseable {
    /** Requests up to this size are rounded to {@link #SMALL_GRANULE}; larger ones to {@link #LARGE_GRANULE}. */
    public static final long SMALL_LIMIT = 1L << 20;
    public static final long SMALL_GRANULE = 512;
    public static final long LARGE_GRANULE = 2L << 20;

    private final DeviceMemory<B> memory;
    private final Map<Long, ArrayDeque<B>> free = new HashMap<>();
    private final Map<B, Long> live = new IdentityHashMap<>();
    private long inUse;
    private long cached;
    private long peak;
    private long deviceAllocations;
    private long cacheHits;
    private boolean closed;

    public CachingAllocator(DeviceMemory<B> memory) {
        this.memory = memory;
    }

    /** The size class of a request: what a block for it really occupies. */
    public static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        long granule = b <= SMALL_LIMIT ? SMALL_GRANULE : LARGE_GRANULE;
        return (b + granule - 1) / granule * granule;
    }

    /**
     * A block of at least {@code bytes} (its size class), from the cache when one is free.
     *
     * @throws AllocationFailedException when the device is out of memory even after emptying the cache
     */
    public synchronized B allocate(long bytes) {
        if (closed) {
            throw new IllegalStateException("cuda allocator: allocate(" + bytes + " bytes) after the backend was closed");
        }
        long size = sizeClass(bytes);
        ArrayDeque<B> list = free.get(size);
        B block = list == null ? null : list.pollLast();
        if (block != null) {
            cached -= size;
            cacheHits++;
        } else {
            block = allocateFromDevice(bytes, size);
        }
        live.put(block, size);
        inUse += size;
        peak = Math.max(peak, inUse);
        return block;
    }

    private B allocateFromDevice(long bytes, long size) {
        try {
            B block = memory.allocate(size);
            deviceAllocations++;
            return block;
        } catch (DeviceMemory.OutOfDeviceMemoryException first) {
            long released = cached;
            emptyCache();
            try {
                B block = memory.allocate(size);
                deviceAllocations++;
                return block;
            } catch (DeviceMemory.OutOfDeviceMemoryException second) {
                throw failure(String.format("allocating %d bytes (size class %d)", bytes, size), released, second);
            }
        }
    }

    /**
     * Runs {@code op}, which allocates device memory outside this pool (cuBLAS's workspace, say) and
     * signals a lack of it with {@link DeviceMemory.OutOfDeviceMemoryException}: on that, frees the cached
     * blocks and runs it once more, as {@link #allocate} does for its own requests. {@code op} must leave
     * nothing behind when it fails, so that running it again is safe.
     *
     * @throws AllocationFailedException when it fails a second time, with the pool statistics
     */
    public void retryAfterEmptyingCache(Runnable op) {
        try {
            op.run();
        } catch (DeviceMemory.OutOfDeviceMemoryException first) {
            long released;
            synchronized (this) {
                released = cached;
                emptyCache();
            }
            try {
                op.run();
            } catch (DeviceMemory.OutOfDeviceMemoryException second) {
                throw failure("in " + second.getMessage(), released, second);
            }
        }
    }

    /** The out-of-memory error, in one form for every request: what failed, what was freed, the pool, the device. */
    private synchronized AllocationFailedException failure(String what, long released, Throwable cause) {
        long[] device = memory.deviceMemoryInfo();
        return new AllocationFailedException(String.format("cuda: out of memory %s even after freeing %s of cached"
                + " blocks: %s%s", what, mib(released), stats(),
                device == null ? "" : String.format("; device: %s free of %s", mib(device[0]), mib(device[1]))), cause);
    }

    /** Returns a block to its free list. Releasing after {@link #close()} is a no-op (close freed it). */
    public synchronized void release(B block) {
        if (closed) {
            return;
        }
        Long size = live.remove(block);
        if (size == null) {
            throw new IllegalStateException("cuda allocator: released a block it does not own (or released it twice)");
        }
        inUse -= size;
        cached += size;
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).addLast(block);
    }

    /** Size in bytes of the class a live block was allocated with. */
    public synchronized long blockSize(B block) {
        Long size = live.get(block);
        return size == null ? -1 : size;
    }

    /** Frees every cached block to the device (after the stream has drained). */
    public synchronized void emptyCache() {
        if (cached == 0) {
            return;
        }
        memory.synchronize();
        for (ArrayDeque<B> list : free.values()) {
            for (B block : list) {
                memory.free(block);
            }
        }
        free.clear();
        cached = 0;
    }

    public synchronized MemoryStats stats() {
        return new MemoryStats(inUse, cached, peak, deviceAllocations, cacheHits);
    }

    /** Frees cached and live blocks alike. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        emptyCache();
        memory.synchronize();
        List<B> blocks = new ArrayList<>(live.keySet());
        live.clear();
        closed = true;
        inUse = 0;
        for (B block : blocks) {
            memory.free(block);
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** The device is out of memory even after the cache was emptied. */
    public static final class AllocationFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public AllocationFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

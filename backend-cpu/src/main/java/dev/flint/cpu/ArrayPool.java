package dev.flint.cpu;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recycles the arrays of freed CPU storage by exact length, so that a training loop, whose steps
 * allocate the same sizes every time, allocates no new arrays after its first step. Fresh Java arrays
 * are not free: the JVM zeroes them, and fresh memory is slow to touch on some machines.
 *
 * <p>Only arrays of at least {@link #MIN_LENGTH} elements are kept (small ones are cheap), and the
 * pool holds at most a byte budget ({@code flint.cpu.poolBytes}, default a quarter of the maximum
 * heap); past it, freed arrays go to the garbage collector. Recycled arrays hold stale data, which the
 * SPI allows ({@code allocate}'s contents are undefined).
 */
final class ArrayPool {
    static final int MIN_LENGTH = 1024;

    private final Map<Integer, ConcurrentLinkedDeque<float[]>> floats = new ConcurrentHashMap<>();
    private final Map<Integer, ConcurrentLinkedDeque<int[]>> ints = new ConcurrentHashMap<>();
    private final AtomicLong pooledBytes = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final long budget;

    ArrayPool(long budget) {
        this.budget = budget;
    }

    static long defaultBudget() {
        String prop = System.getProperty("flint.cpu.poolBytes");
        if (prop != null) {
            try {
                long v = Long.parseLong(prop.trim());
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("flint.cpu.poolBytes must be a byte count >= 0, got '" + prop + "'");
        }
        return Runtime.getRuntime().maxMemory() / 4;
    }

    float[] floats(int length) {
        if (length >= MIN_LENGTH) {
            ConcurrentLinkedDeque<float[]> q = floats.get(length);
            float[] a = q == null ? null : q.pollFirst();
            if (a != null) {
                pooledBytes.addAndGet(-4L * length);
                hits.incrementAndGet();
                return a;
            }
            misses.incrementAndGet();
        }
        return fresh(() -> new float[length]);
    }

    int[] ints(int length) {
        if (length >= MIN_LENGTH) {
            ConcurrentLinkedDeque<int[]> q = ints.get(length);
            int[] a = q == null ? null : q.pollFirst();
            if (a != null) {
                pooledBytes.addAndGet(-4L * length);
                hits.incrementAndGet();
                return a;
            }
            misses.incrementAndGet();
        }
        return fresh(() -> new int[length]);
    }

    void recycle(float[] a) {
        if (a.length >= MIN_LENGTH && reserve(4L * a.length)) {
            floats.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).addFirst(a);
        }
    }

    void recycle(int[] a) {
        if (a.length >= MIN_LENGTH && reserve(4L * a.length)) {
            ints.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).addFirst(a);
        }
    }

    private boolean reserve(long bytes) {
        long now = pooledBytes.addAndGet(bytes);
        if (now > budget) {
            pooledBytes.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /** Allocates; on OutOfMemoryError drops every pooled array and tries once more. */
    private <T> T fresh(java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (OutOfMemoryError e) {
            clear();
            return make.get();
        }
    }

    /** Drops every pooled array. */
    void clear() {
        floats.clear();
        ints.clear();
        pooledBytes.set(0);
    }

    long pooledBytes() {
        return pooledBytes.get();
    }

    long hits() {
        return hits.get();
    }

    /** Fresh arrays made for lengths the pool would keep (its misses). */
    long misses() {
        return misses.get();
    }
}

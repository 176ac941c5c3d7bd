package dev.flint.backend;

/**
 * A snapshot of a backend's memory, in bytes: {@code inUse} by live storage, {@code cached} held
 * by the backend's pool for reuse, {@code peakInUse} since the backend started, and the counts of
 * allocations served fresh from the device versus from the cache.
 */
public record MemoryStats(long inUse, long cached, long peakInUse, long deviceAllocations, long cacheHits) {

    public static MemoryStats unknown() {
        return new MemoryStats(-1, -1, -1, -1, -1);
    }

    @Override
    public String toString() {
        return String.format("in use %s, cached %s, peak %s, %d device allocations, %d cache hits",
                mib(inUse), mib(cached), mib(peakInUse), deviceAllocations, cacheHits);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "?" : String.format("%.1f MiB", bytes / 1048576.0);
    }
}

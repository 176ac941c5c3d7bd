package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.BackendUnavailableException;
import dev.flint.backend.Backends;
import dev.flint.backend.Storage;
import dev.flint.backend.DType;

import java.util.SplittableRandom;

/**
 * Setup helpers shared by the benchmarks: opening a backend with a readable message when it cannot
 * run here, and filling device buffers with seeded random data.
 *
 * <pre>{@code
 * Backend b = BenchSupport.open("cpu", "GemmBenchmark");
 * Storage a = BenchSupport.uniform(b, 1024 * 1024, 1L, -1f, 1f);
 * }</pre>
 */
final class BenchSupport {

    private BenchSupport() {
    }

    /**
     * The backend named {@code name}. When it cannot run here, prints one line saying which benchmark
     * is skipped and why, then rethrows: JMH has no skip, so the error ends this benchmark's trial and
     * JMH goes on with the next. {@code scripts/run.sh} avoids the case by asking
     * {@link UsableBackends} first and passing only usable names.
     */
    static Backend open(String name, String benchmark) {
        try {
            return Backends.get(name);
        } catch (BackendUnavailableException e) {
            System.out.println("flint benchmarks: skipping " + benchmark + " on backend '" + name + "': "
                    + e.getMessage());
            throw e;
        }
    }

    /** A new FLOAT32 buffer of {@code n} values drawn uniformly from {@code [lo, hi)} with a fixed seed. */
    static Storage uniform(Backend backend, int n, long seed, float lo, float hi) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] host = new float[n];
        for (int i = 0; i < n; i++) {
            host[i] = lo + (hi - lo) * (float) random.nextDouble();
        }
        Storage s = backend.allocate(DType.FLOAT32, n);
        backend.upload(host, 0, s, 0, n);
        return s;
    }

    /** A new INT32 buffer of {@code n} values drawn uniformly from {@code [0, bound)} with a fixed seed. */
    static Storage labels(Backend backend, int n, int bound, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] host = new int[n];
        for (int i = 0; i < n; i++) {
            host[i] = random.nextInt(bound);
        }
        Storage s = backend.allocate(DType.INT32, n);
        backend.upload(host, 0, s, 0, n);
        return s;
    }

    /** A new FLOAT32 buffer of {@code n} elements set to zero (outputs, so their pages are touched before timing). */
    static Storage zeros(Backend backend, int n) {
        Storage s = backend.allocate(DType.FLOAT32, n);
        backend.fill(s, 0, n, 0f);
        return s;
    }

    /** Releases every non-null buffer; used by the trial teardowns. */
    static void release(Storage... buffers) {
        for (Storage s : buffers) {
            if (s != null) {
                s.release();
            }
        }
    }
}

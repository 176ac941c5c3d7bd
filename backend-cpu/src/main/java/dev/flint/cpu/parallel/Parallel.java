package dev.flint.cpu.parallel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CPU backend's one thread pool, sized to the cores. Work is split into a few large chunks
 * (never per element), the calling thread runs one of them, and parallel regions never nest: a
 * call from inside a region runs sequentially.
 *
 * <pre>{@code
 * Parallel.forRange(0, rows, 64, (from, to) -> { for (int r = from; r < to; r++) work(r); });
 * }</pre>
 *
 * <p>The thread count is {@code Runtime.availableProcessors()} unless the system property
 * {@code flint.cpu.threads} says otherwise; {@link #setThreads(int)} changes it at run time (tests
 * use it to check that results do not depend on the thread count).
 */
public final class Parallel {

    /** A half-open range {@code [from, to)} of work items. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static volatile int threads = initialThreads();
    private static volatile ExecutorService pool;

    private Parallel() {
    }

    private static int initialThreads() {
        String prop = System.getProperty("flint.cpu.threads");
        if (prop != null) {
            try {
                int n = Integer.parseInt(prop.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the default, as documented
            }
            throw new IllegalArgumentException("flint.cpu.threads must be a positive integer, got '" + prop + "'");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Threads used by parallel regions (the caller counts as one). */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads for later regions; 1 makes every op sequential. */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        threads = n;
    }

    private static ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                if (pool == null) {
                    AtomicInteger id = new AtomicInteger();
                    ThreadFactory factory = r -> {
                        Thread t = new Thread(r, "flint-cpu-" + id.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    };
                    pool = Executors.newCachedThreadPool(factory);
                }
                p = pool;
            }
        }
        return p;
    }

    /**
     * Runs {@code body} over {@code [begin, end)}, split into at most {@link #threads()} contiguous
     * chunks of at least {@code grain} items each. Returns when every chunk has finished; an exception
     * in any chunk is rethrown here.
     */
    public static void forRange(int begin, int end, int grain, RangeBody body) {
        int n = end - begin;
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || INSIDE.get()) {
            body.run(begin, end);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = begin + (int) ((long) n * c / chunks);
            int to = begin + (int) ((long) n * (c + 1) / chunks);
            futures[c - 1] = pool().submit(() -> {
                INSIDE.set(Boolean.TRUE);
                try {
                    body.run(from, to);
                } finally {
                    INSIDE.set(Boolean.FALSE);
                }
            });
        }
        INSIDE.set(Boolean.TRUE);
        Throwable failure = null;
        try {
            body.run(begin, begin + (int) ((long) n / chunks));
        } catch (Throwable t) {
            failure = t;
        } finally {
            INSIDE.set(Boolean.FALSE);
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("parallel region failed", failure);
        }
    }
}

package dev.flint.cpu.parallel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's worker threads, one fewer than the cores (the calling thread is the last). Work
 * is split into a few large chunks (never per element), the calling thread runs one of them, and
 * parallel regions never nest: a call from inside a region runs sequentially.
 *
 * <pre>{@code
 * Parallel.forRange(0, rows, 64, (from, to) -> { for (int r = from; r < to; r++) work(r); });
 * }</pre>
 *
 * <p>The thread count is {@code Runtime.availableProcessors()} unless the system property
 * {@code flint.cpu.threads} says otherwise; {@link #setThreads(int)} changes it at run time (tests
 * use it to check that results do not depend on the thread count).
 *
 * <p>Why not an {@code ExecutorService}: a training step runs dozens of regions of 10 to 500
 * microseconds each, and handing a task to a parked pool thread (queue, futex wake-up, then a
 * {@code Future} to wait on) cost 11-18 us per region here, a sixth of a small MLP step. Workers
 * here poll their own slot after a region and park only after {@value #DEFAULT_SPIN_MICROS} us
 * without work (OpenMP runtimes do the same: libgomp spins before it sleeps), so the next region of
 * a step starts in well under a microsecond; an idle backend holds no core. The system property
 * {@code flint.cpu.spinMicros} changes the spin (0: park at once).
 *
 * <p>Chunks are handed over and taken back: worker i is handed chunk i (the caller runs chunk 0),
 * and a chunk whose worker has not taken it when the caller is done with its own is taken back and
 * run by the caller, so a worker the operating system has not scheduled yet (another process holds
 * its core) delays nobody. Chunk boundaries depend only on the range, the grain and the thread
 * count, never on who runs them. Handing chunks over, where every thread had claimed them from one
 * counter and the caller then took each worker's slot back, moves the caller's compare-and-set on a
 * slot (a cache line the worker holds) from after the last chunk to while the worker runs its own.
 * Two chunks on the 2-vCPU Zen 5 VM, the two versions in alternated JVMs (medians of 200,000
 * regions): 1.46-1.61 -> 1.18 us a region around 0.2 us chunks, 2.44-2.59 -> 2.16-2.24 us around
 * 1.3 us ones; from the last chunk's end to the return 0.56-0.64 -> 0.32-0.34 us.
 *
 * <p>One region runs at a time. A region begun while another is running (two application threads
 * calling the backend at once) runs on its calling thread alone, which gives the same result:
 * every kernel's output is independent of how many threads computed it.
 */
public final class Parallel {

    /** A half-open range {@code [from, to)} of work items. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** How long an idle worker polls for the next region before it parks. */
    static final long DEFAULT_SPIN_MICROS = 200;

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static final long SPIN_NANOS = spinNanos();
    /** Held by the thread whose region the workers are running. */
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static volatile int threads = initialThreads();
    /** Workers 1..n-1 (slot 0 is the caller's), grown on demand and never shrunk. */
    private static volatile Worker[] workers = new Worker[0];

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
                // fall through to the error below, as documented
            }
            throw new IllegalArgumentException("flint.cpu.threads must be a positive integer, got '" + prop + "'");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    private static long spinNanos() {
        String prop = System.getProperty("flint.cpu.spinMicros");
        if (prop == null) {
            return DEFAULT_SPIN_MICROS * 1000;
        }
        try {
            long micros = Long.parseLong(prop.trim());
            if (micros >= 0) {
                return micros * 1000;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("flint.cpu.spinMicros must be a non-negative integer, got '" + prop + "'");
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

    /** Whether the calling thread is inside a parallel region (where regions run sequentially). */
    public static boolean inside() {
        return INSIDE.get();
    }

    /** At least {@code count} workers, started on first need. */
    private static Worker[] workers(int count) {
        Worker[] w = workers;
        if (w.length >= count) {
            return w;
        }
        synchronized (Parallel.class) {
            w = workers;
            if (w.length < count) {
                Worker[] grown = java.util.Arrays.copyOf(w, count);
                for (int i = w.length; i < count; i++) {
                    grown[i] = new Worker(i + 1);
                    grown[i].thread.start();
                }
                workers = grown;
                w = grown;
            }
        }
        return w;
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
        if (chunks <= 1 || INSIDE.get() || !BUSY.compareAndSet(false, true)) {
            runInside(body, begin, end);
            return;
        }
        try {
            Region region = new Region(body, begin, n, chunks, Thread.currentThread());
            Worker[] w = workers(chunks - 1);
            for (int c = 1; c < chunks; c++) {
                w[c - 1].hand(region);
            }
            INSIDE.set(Boolean.TRUE);
            try {
                region.run(0);
                // a chunk whose worker has not come for it yet (the OS has not run it) is run here
                for (int c = 1; c < chunks; c++) {
                    if (w[c - 1].withdraw(region)) {
                        region.run(c);
                    }
                }
            } finally {
                INSIDE.set(Boolean.FALSE);
            }
            region.awaitWorkers();
            region.rethrow();
        } finally {
            BUSY.set(false);
        }
    }

    /** Runs the body on this thread as (part of) a region; a nested call leaves the flag as it found it. */
    private static void runInside(RangeBody body, int from, int to) {
        boolean wasInside = INSIDE.get();
        INSIDE.set(Boolean.TRUE);
        try {
            body.run(from, to);
        } finally {
            INSIDE.set(wasInside);
        }
    }

    /** One parallel region: its chunks, how many are unfinished, the first failure. */
    private static final class Region {
        private final RangeBody body;
        private final int begin;
        private final int n;
        private final int chunks;
        private final Thread caller;
        private final AtomicInteger pending;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean callerParked;

        Region(RangeBody body, int begin, int n, int chunks, Thread caller) {
            this.body = body;
            this.begin = begin;
            this.n = n;
            this.chunks = chunks;
            this.caller = caller;
            this.pending = new AtomicInteger(chunks);
        }

        /** First item of chunk c (chunk {@code chunks} is the end). */
        int from(int c) {
            return begin + (int) ((long) n * c / chunks);
        }

        /** Runs chunk c; a failure is kept for the caller. */
        void run(int c) {
            try {
                body.run(from(c), from(c + 1));
            } catch (Throwable t) {
                fail(t);
            }
            if (pending.decrementAndGet() == 0 && callerParked) {
                LockSupport.unpark(caller);
            }
        }

        void fail(Throwable t) {
            failure.compareAndSet(null, t);
        }

        /** Spins while the workers are likely to finish their chunks soon, then parks until they have. */
        void awaitWorkers() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (pending.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                callerParked = true;
                while (pending.get() > 0) {
                    LockSupport.park(this);
                }
            }
        }

        void rethrow() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException("parallel region failed", t);
            }
        }
    }

    /** A daemon thread that runs chunks of the regions handed to it, polling for work before it parks. */
    private static final class Worker implements Runnable {
        private final Thread thread;
        private final AtomicReference<Region> slot = new AtomicReference<>();
        private volatile boolean parked;
        /** The chunk this worker runs of each region handed to it (the caller runs chunk 0). */
        private final int chunk;

        Worker(int id) {
            chunk = id;
            thread = new Thread(this, "flint-cpu-" + id);
            thread.setDaemon(true);
        }

        void hand(Region r) {
            slot.set(r);
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        /** Takes the region back if this worker has not taken it: then its chunk is the caller's to run. */
        boolean withdraw(Region r) {
            return slot.compareAndSet(r, null);
        }

        @Override
        public void run() {
            INSIDE.set(Boolean.TRUE);
            long idleSince = System.nanoTime();
            while (true) {
                // the caller takes back what is still here when it is done, so this is the current region
                Region r = slot.getAndSet(null);
                if (r != null) {
                    r.run(chunk);
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                // a region handed over between the check above and this flag is seen here
                if (slot.get() == null) {
                    LockSupport.park(this);
                }
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }
}

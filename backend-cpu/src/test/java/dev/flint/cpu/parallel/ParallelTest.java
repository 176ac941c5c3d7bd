package dev.flint.cpu.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private int savedThreads;

    @BeforeEach
    void saveThreads() {
        savedThreads = Parallel.threads();
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** The chunks one region ran, as [from, to) pairs, sorted. */
    private static List<int[]> chunksOf(int begin, int end, int grain) {
        List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(begin, end, grain, (from, to) -> chunks.add(new int[] {from, to}));
        List<int[]> sorted = new ArrayList<>(chunks);
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        return sorted;
    }

    @Test
    void chunksCoverTheRangeOnceWithBoundariesFixedByTheThreadCount() {
        for (int threads : new int[] {1, 2, 3, 4}) {
            Parallel.setThreads(threads);
            for (int[] c : new int[][] {{0, 1000, 1}, {5, 17, 1}, {0, 100, 40}, {3, 4, 1}, {0, 7, 100}}) {
                List<int[]> chunks = chunksOf(c[0], c[1], c[2]);
                int expected = Math.min(threads, Math.max(1, (c[1] - c[0]) / c[2]));
                assertEquals(expected, chunks.size(), "chunks of " + c[0] + ".." + c[1] + " at " + threads);
                int at = c[0];
                for (int[] chunk : chunks) {
                    assertEquals(at, chunk[0]);
                    assertTrue(chunk[1] > chunk[0]);
                    at = chunk[1];
                }
                assertEquals(c[1], at);
                // the same boundaries every time, whoever runs the chunks
                List<int[]> again = chunksOf(c[0], c[1], c[2]);
                for (int i = 0; i < chunks.size(); i++) {
                    assertEquals(chunks.get(i)[0], again.get(i)[0]);
                }
            }
        }
    }

    @Test
    void emptyRangesRunNothing() {
        AtomicInteger calls = new AtomicInteger();
        Parallel.forRange(5, 5, 1, (f, t) -> calls.incrementAndGet());
        Parallel.forRange(5, 2, 1, (f, t) -> calls.incrementAndGet());
        assertEquals(0, calls.get());
    }

    @Test
    void workersRunChunksAndRegionsDoNotNest() {
        Parallel.setThreads(2);
        Set<String> names = ConcurrentHashMap.newKeySet();
        AtomicInteger nestedChunks = new AtomicInteger();
        // long enough chunks that the worker takes one of them
        for (int attempt = 0; attempt < 50 && names.size() < 2; attempt++) {
            Parallel.forRange(0, 2, 1, (from, to) -> {
                names.add(Thread.currentThread().getName());
                assertTrue(Parallel.inside());
                Parallel.forRange(0, 100, 1, (f, t) -> nestedChunks.incrementAndGet());
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith("flint-cpu-")), "no worker ran a chunk: " + names);
        assertFalse(Parallel.inside());
        // each nested region ran as one chunk on its thread
        assertTrue(nestedChunks.get() > 0);
    }

    @Test
    void aFailureInAnyChunkReachesTheCaller() {
        Parallel.setThreads(2);
        for (int failing = 0; failing < 2; failing++) {
            int bad = failing;
            IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                    Parallel.forRange(0, 2, 1, (from, to) -> {
                        if (from == bad) {
                            throw new IllegalStateException("chunk " + bad);
                        }
                    }));
            assertEquals("chunk " + bad, e.getMessage());
        }
        // and the next region runs normally
        assertEquals(2, chunksOf(0, 2, 1).size());
        AssertionError err = assertThrows(AssertionError.class, () ->
                Parallel.forRange(0, 2, 1, (from, to) -> {
                    throw new AssertionError("boom");
                }));
        assertEquals("boom", err.getMessage());
    }

    /**
     * A worker the operating system has not run yet when its chunk is handed over (parked, here, and a
     * region too short to wait for it) holds nobody up: the caller runs its chunk, and every chunk runs
     * exactly once whoever runs it.
     */
    @Test
    void theCallerRunsTheChunkOfAWorkerThatHasNotCome() throws InterruptedException {
        Parallel.setThreads(2);
        assertEquals(2, chunksOf(0, 2, 1).size());
        Thread caller = Thread.currentThread();
        boolean taken = false;
        for (int attempt = 0; attempt < 100 && !taken; attempt++) {
            // longer than the spin: the worker has parked, and waking it takes longer than chunk 0
            Thread.sleep(5 + Parallel.DEFAULT_SPIN_MICROS / 1000);
            Thread[] ranBy = new Thread[2];
            int[] runs = new int[2];
            Parallel.forRange(0, 2, 1, (from, to) -> {
                ranBy[from] = Thread.currentThread();
                runs[from]++;
            });
            assertEquals(1, runs[0], "chunk 0 runs once");
            assertEquals(1, runs[1], "chunk 1 runs once");
            taken = ranBy[1] == caller;
        }
        assertTrue(taken, "the caller never ran a parked worker's chunk in 100 regions");
    }

    @Test
    void workersWakeAfterParking() throws InterruptedException {
        Parallel.setThreads(2);
        assertEquals(2, chunksOf(0, 10, 1).size());
        // longer than the spin: the workers have parked
        Thread.sleep(5 + Parallel.DEFAULT_SPIN_MICROS / 1000);
        long[] sums = new long[2];
        Parallel.forRange(0, 2, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                sums[i] = 1 + i;
            }
        });
        assertEquals(1, sums[0]);
        assertEquals(2, sums[1]);
    }

    @Test
    void concurrentCallersEachGetTheirWholeRange() throws Exception {
        Parallel.setThreads(2);
        int callers = 4;
        int n = 10_000;
        long[][] out = new long[callers][n];
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < callers; t++) {
            long[] mine = out[t];
            long tag = t + 1;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 200; round++) {
                        long value = tag * 1000 + round;
                        Parallel.forRange(0, n, 100, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                mine[i] = value;
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            if (mine[i] != value) {
                                throw new AssertionError("caller " + tag + " round " + round + " index " + i
                                        + ": " + mine[i]);
                            }
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(failures.isEmpty(), () -> failures.get(0).toString());
    }

    @Test
    void rejectsBadThreadCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        assertSame(IllegalArgumentException.class, e.getClass());
        assertEquals("threads must be >= 1, got 0", e.getMessage());
    }
}

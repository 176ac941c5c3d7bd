package dev.flint.spark.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ring on loopback, workers as threads: results, bitwise agreement, and every failure's message. */
@Timeout(60)
public class RingTest {
    public static final Ring.Options FAST = Ring.Options.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));

    /** What one worker does with its ring. */
    public interface Work<T> {
        T run(Ring ring) throws Exception;
    }

    /** Runs {@code size} workers on loopback; returns each one's result or exception. */
    public static List<Object> runRing(int size, java.util.function.IntFunction<Ring.Options> options, Work<?> work)
            throws Exception {
        List<Ring.Listener> listeners = new ArrayList<>();
        List<PeerAddress> peers = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            Ring.Listener l = Ring.Listener.open("127.0.0.1", "127.0.0.1");
            listeners.add(l);
            peers.add(l.address());
        }
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (Ring.Listener l = listeners.get(rank); Ring ring = l.join(rank, peers, options.apply(rank))) {
                        return work.run(ring);
                    } catch (Exception e) {
                        return e;
                    }
                }));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                out.add(f.get(50, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static float[] data(int rank, int length) {
        SplittableRandom random = new SplittableRandom(1000 + rank);
        float[] d = new float[length];
        for (int i = 0; i < length; i++) {
            d[i] = (float) random.nextGaussian();
        }
        return d;
    }

    @Test
    void meanOfEveryWorkersBufferIsBitwiseIdenticalOnAll() throws Exception {
        for (int size = 1; size <= 4; size++) {
            for (int length : new int[] {0, 1, 3, 7, 1000, 100_003}) {
                int n = size;
                List<Object> results = runRing(size, r -> FAST, ring -> {
                    float[] d = data(ring.rank(), length);
                    ring.allReduceMean(d);
                    return d;
                });
                float[] first = (float[]) results.get(0);
                double[] sum = new double[length];
                for (int r = 0; r < n; r++) {
                    float[] d = data(r, length);
                    for (int i = 0; i < length; i++) {
                        sum[i] += d[i];
                    }
                }
                for (int i = 0; i < length; i++) {
                    assertEquals(sum[i] / n, first[i], 1e-6, "size " + n + " length " + length + " element " + i);
                }
                for (Object o : results) {
                    assertArrayEquals(first, (float[]) o, "every worker holds the same bits (size " + n + ")");
                }
            }
        }
    }

    @Test
    void sumOfARangeLeavesTheRestAlone() throws Exception {
        List<Object> results = runRing(3, r -> FAST, ring -> {
            float[] d = {9, 9, ring.rank() + 1, 10 * (ring.rank() + 1), 9};
            ring.allReduceSum(d, 2, 2);
            return d;
        });
        for (Object o : results) {
            assertArrayEquals(new float[] {9, 9, 6, 60, 9}, (float[]) o);
        }
    }

    @Test
    void allGatherReturnsEveryRanksValueInRankOrder() throws Exception {
        List<Object> results = runRing(4, r -> FAST, ring -> ring.allGather(100L + ring.rank()));
        for (Object o : results) {
            assertArrayEquals(new long[] {100, 101, 102, 103}, (long[]) o);
        }
    }

    @Test
    void manyOperationsInARowStayInStep() throws Exception {
        List<Object> results = runRing(3, r -> FAST, ring -> {
            float[] d = new float[17];
            for (int step = 0; step < 200; step++) {
                java.util.Arrays.fill(d, ring.rank() + step);
                ring.allReduceMean(d);
                if (d[16] != 1 + step) {
                    return "step " + step + " gave " + d[16];
                }
                ring.allGather(step);
            }
            return null;
        });
        results.forEach(r -> assertNull(r, String.valueOf(r)));
    }

    @Test
    void anUnreachablePeerIsATimeoutNamingItsAddress() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (Ring.Listener l = Ring.Listener.open("127.0.0.1", "127.0.0.1")) {
            List<PeerAddress> peers = List.of(l.address(), new PeerAddress("127.0.0.1", deadPort));
            Ring.Options o = FAST.withTimeouts(Duration.ofMillis(600), Duration.ofSeconds(1));
            long start = System.nanoTime();
            RingTimeoutException e = assertThrows(RingTimeoutException.class, () -> l.join(0, peers, o));
            assertTrue(e.getMessage().startsWith("rank 0 cannot reach rank 1 at 127.0.0.1:" + deadPort + " within 600 ms"),
                    e.getMessage());
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "gave up near the deadline");
        }
    }

    @Test
    void aPeerThatNeverConnectsIsATimeout() throws Exception {
        try (Ring.Listener mine = Ring.Listener.open("127.0.0.1", "127.0.0.1");
             Ring.Listener silent = Ring.Listener.open("127.0.0.1", "127.0.0.1")) {
            // The silent worker listens (so connecting succeeds) but never joins.
            List<PeerAddress> peers = List.of(mine.address(), silent.address());
            Ring.Options o = FAST.withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1));
            RingTimeoutException e = assertThrows(RingTimeoutException.class, () -> mine.join(0, peers, o));
            assertTrue(e.getMessage().contains("waited 500 ms for rank 1 (" + silent.address() + ") to connect"),
                    e.getMessage());
        }
    }

    @Test
    void workersWithDifferentModelsRefuseToConnectOnBothSides() throws Exception {
        List<Object> results = runRing(2, r -> FAST.withLayout(r == 0
                ? "7850 floats: 0.weight [10, 784], 0.bias [10]" : "7860 floats: 0.weight [10, 785], 0.bias [10]"),
                ring -> "connected");
        for (Object o : results) {
            RingException e = assertInstanceOf(RingException.class, o);
            assertTrue(e.getMessage().contains("train different models"), e.getMessage());
        }
        RingException e0 = (RingException) results.get(0);
        assertTrue(e0.getMessage().contains("rank 0 has '7850 floats: 0.weight [10, 784], 0.bias [10]' where rank 1 has "
                + "'7860 floats: 0.weight [10, 785], 0.bias [10]'"), e0.getMessage());
    }

    @Test
    void workersOfDifferentJobsRefuseToConnect() throws Exception {
        List<Object> results = runRing(2, r -> FAST.withJobToken(r), ring -> "connected");
        RingException e = assertInstanceOf(RingException.class, results.get(1));
        assertTrue(e.getMessage().contains("belongs to job 0, this worker to job 1"), e.getMessage());
    }

    @Test
    void differentLengthsAreReportedNotMixedUp() throws Exception {
        List<Object> results = runRing(2, r -> FAST, ring -> {
            ring.allReduceMean(new float[ring.rank() == 0 ? 10 : 12]);
            return "reduced";
        });
        RingException e = assertInstanceOf(RingException.class, results.get(0));
        assertTrue(e.getMessage().contains("is out of step"), e.getMessage());
        assertTrue(e.getMessage().contains("same length"), e.getMessage());
    }

    @Test
    void aPeerThatDiesMidOperationIsReportedAsClosed() throws Exception {
        List<Object> results = runRing(3, r -> FAST, ring -> {
            if (ring.rank() == 2) {
                ring.close();
                return "died";
            }
            ring.allReduceMean(new float[1 << 20]);
            return "reduced";
        });
        assertEquals("died", results.get(2));
        boolean someoneSawIt = false;
        for (int r = 0; r < 2; r++) {
            RingException e = assertInstanceOf(RingException.class, results.get(r));
            someoneSawIt |= e.getMessage().contains("rank 2 (127.0.0.1:");
        }
        assertTrue(someoneSawIt, results.toString());
    }

    @Test
    void aStuckPeerIsATimeoutAndTheRingIsThenUnusable() throws Exception {
        Ring.Options o = FAST.withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(400));
        List<Object> results = runRing(2, r -> o, ring -> {
            if (ring.rank() == 1) {
                Thread.sleep(1500);
                return "slept";
            }
            RingTimeoutException e = assertThrows(RingTimeoutException.class, () -> ring.allReduceMean(new float[64]));
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> ring.allGather(1));
            return e.getMessage() + " | " + again.getMessage();
        });
        String msg = (String) results.get(0);
        assertTrue(msg.contains("rank 0: reduce-scatter step 0 timed out after 400 ms"), msg);
        assertTrue(msg.contains("cannot be used after an earlier failure"), msg);
    }

    @Test
    void anAbortEndsAWaitPromptly() throws Exception {
        long t0 = System.nanoTime();
        Ring.Options o = FAST.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30));
        List<Object> results = runRing(2, r -> r == 0 ? o.withAborted(() -> System.nanoTime() - t0 > 300_000_000L) : o,
                ring -> {
                    if (ring.rank() == 1) {
                        Thread.sleep(1500);
                        return "slept";
                    }
                    ring.allReduceMean(new float[8]);
                    return "reduced";
                });
        RingException e = assertInstanceOf(RingException.class, results.get(0));
        assertTrue(e.getMessage().contains("aborted while reduce-scatter step 0"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
    }

    @Test
    void addressesParseAndPrint() {
        assertEquals(new PeerAddress("10.0.0.7", 41234), PeerAddress.parse("10.0.0.7:41234"));
        assertEquals(new PeerAddress("::1", 5), PeerAddress.parse("[::1]:5"));
        assertEquals("[::1]:5", new PeerAddress("::1", 5).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerAddress.parse("host"));
        assertEquals("PeerAddress: expected host:port, got 'host'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PeerAddress("h", 70000));
    }
}

package dev.flint.spark.ring;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A repeatable benchmark of the ring all-reduce on loopback: workers are threads of this JVM, each with
 * its own listener and connections, exactly as separate executors would be on one machine. For each
 * buffer size it prints the median time of {@code allReduceMean} over the repetitions, the algorithm
 * bandwidth (buffer / time) and the bus bandwidth (buffer x 2(N-1)/N / time: what each worker's link
 * carried, comparable across worker counts, as NCCL reports it); the same run measures a plain
 * point-to-point TCP stream between two threads (the link's own bandwidth on this machine) and the
 * round trip of an 8-byte gather (the per-step latency), the two inputs of the step-time model in
 * {@code spark/README.md}.
 *
 * <pre>
 *   java -cp spark/target/classes dev.flint.spark.ring.RingBenchmark            # 2 and 4 workers, 1-64 MB
 *   java -cp spark/target/classes dev.flint.spark.ring.RingBenchmark 2 1,64 9   # workers, MB sizes, reps
 * </pre>
 */
public final class RingBenchmark {
    private RingBenchmark() {
    }

    /** Arguments: worker counts (comma-separated, default 2,4), sizes in MB (default 1,4,16,64), repetitions (default 7). */
    public static void main(String[] args) throws Exception {
        int[] workers = args.length > 0 ? parse(args[0]) : new int[] {2, 4};
        int[] sizesMb = args.length > 1 ? parse(args[1]) : new int[] {1, 4, 16, 64};
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        System.out.printf(Locale.ROOT, "# ring all-reduce on loopback; %d cores, Java %s, %s; median of %d%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("os.arch"), reps);
        System.out.printf(Locale.ROOT, "point-to-point TCP stream, 64 MB: %.2f GB/s%n", streamBandwidth(64 << 20, reps));
        System.out.printf(Locale.ROOT, "two streams at once, opposite directions (what a ring step does), 32 MB each: "
                + "%.2f GB/s per stream%n", duplexBandwidth(32 << 20, reps));
        for (int n : workers) {
            System.out.printf(Locale.ROOT, "%d workers: 8-byte allGather round %.1f us%n", n, gatherMicros(n, 200));
        }
        System.out.println("workers | buffer MB | median ms | min ms | algbw GB/s | busbw GB/s | 16 buckets ms");
        for (int n : workers) {
            for (int mb : sizesMb) {
                double[] one = allReduceMillis(n, mb, reps, 1);
                double[] buckets = allReduceMillis(n, mb, Math.max(3, reps / 2), 16);
                double bytes = mb * (double) (1 << 20);
                double algbw = bytes / (one[0] / 1e3) / 1e9;
                System.out.printf(Locale.ROOT, "%7d | %9d | %9.2f | %6.2f | %10.2f | %10.2f | %13.2f%n", n, mb, one[0],
                        one[1], algbw, algbw * 2 * (n - 1) / n, buckets[0]);
            }
        }
    }

    /** Median and minimum milliseconds of one all-reduce of {@code mb} MB, split into {@code buckets} calls. */
    static double[] allReduceMillis(int workers, int mb, int reps, int buckets) throws Exception {
        int floats = mb * (1 << 20) / Float.BYTES;
        List<Object> results = run(workers, ring -> {
            float[] data = new float[floats];
            Arrays.fill(data, ring.rank());
            double[] times = new double[reps];
            for (int r = -2; r < reps; r++) {          // two warm-up rounds
                ring.allGather(0);                     // start each round together
                long t0 = System.nanoTime();
                for (int b = 0; b < buckets; b++) {
                    int from = (int) ((long) floats * b / buckets);
                    int to = (int) ((long) floats * (b + 1) / buckets);
                    ring.allReduceMean(data, from, to - from);
                }
                if (r >= 0) {
                    times[r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            return times;
        });
        // A round ends when the slowest worker is done: take the maximum over workers per round.
        double[] rounds = new double[reps];
        for (Object o : results) {
            double[] t = (double[]) o;
            for (int r = 0; r < reps; r++) {
                rounds[r] = Math.max(rounds[r], t[r]);
            }
        }
        Arrays.sort(rounds);
        return new double[] {rounds[reps / 2], rounds[0]};
    }

    /** Median microseconds of an 8-byte allGather (2(N-1) is not it: one round of N-1 small messages). */
    static double gatherMicros(int workers, int reps) throws Exception {
        List<Object> results = run(workers, ring -> {
            double[] t = new double[reps];
            for (int r = -20; r < reps; r++) {
                long t0 = System.nanoTime();
                ring.allGather(r);
                if (r >= 0) {
                    t[r] = (System.nanoTime() - t0) / 1e3;
                }
            }
            Arrays.sort(t);
            return t[reps / 2];
        });
        return (double) results.get(0);
    }

    /** GB/s per stream of two simultaneous streams (as two ring neighbours exchange chunks). */
    static double duplexBandwidth(int bytes, int reps) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Double> a = pool.submit(() -> streamBandwidth(bytes, reps));
            Future<Double> b = pool.submit(() -> streamBandwidth(bytes, reps));
            return (a.get(300, TimeUnit.SECONDS) + b.get(300, TimeUnit.SECONDS)) / 2;
        } finally {
            pool.shutdownNow();
        }
    }

    /** GB/s of one TCP stream on loopback, the same socket settings as the ring (median of reps). */
    static double streamBandwidth(int bytes, int reps) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<double[]> receiver = pool.submit(() -> {
                    try (SocketChannel in = server.accept()) {
                        ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
                        double[] t = new double[reps + 1];
                        for (int r = 0; r <= reps; r++) {
                            long left = bytes;
                            long t0 = System.nanoTime();
                            while (left > 0) {
                                buf.clear().limit((int) Math.min(buf.capacity(), left));
                                int n = in.read(buf);
                                if (n < 0) {
                                    throw new IOException("stream closed early");
                                }
                                left -= n;
                            }
                            t[r] = (System.nanoTime() - t0) / 1e9;
                        }
                        return t;
                    }
                });
                try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
                    for (int r = 0; r <= reps; r++) {
                        long left = bytes;
                        while (left > 0) {
                            buf.clear().limit((int) Math.min(buf.capacity(), left));
                            left -= out.write(buf);
                        }
                    }
                }
                double[] t = Arrays.copyOfRange(receiver.get(120, TimeUnit.SECONDS), 1, reps + 1);
                Arrays.sort(t);
                return bytes / t[reps / 2] / 1e9;
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private interface Work {
        Object run(Ring ring) throws Exception;
    }

    private static List<Object> run(int workers, Work work) throws Exception {
        List<Ring.Listener> listeners = new ArrayList<>();
        List<PeerAddress> peers = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            Ring.Listener l = Ring.Listener.open("127.0.0.1", "127.0.0.1");
            listeners.add(l);
            peers.add(l.address());
        }
        Ring.Options options = Ring.Options.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(120));
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                Callable<Object> task = () -> {
                    try (Ring.Listener l = listeners.get(rank); Ring ring = l.join(rank, peers, options)) {
                        return work.run(ring);
                    }
                };
                futures.add(pool.submit(task));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                out.add(f.get(600, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int[] parse(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}

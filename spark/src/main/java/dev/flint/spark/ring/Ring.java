package dev.flint.spark.ring;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * One worker's place in a ring of {@code size} workers: a TCP connection to the next worker
 * ({@code (rank + 1) % size}) and one from the previous, over which float buffers are averaged (the
 * gradients of data-parallel training) and small values gathered (checksums, shard sizes).
 *
 * <pre>{@code
 * try (Ring.Listener listener = Ring.Listener.open("10.0.0.7")) {
 *     // ... publish listener.address(), learn every worker's address (rank order) ...
 *     try (Ring ring = listener.join(rank, addresses, Ring.Options.defaults())) {
 *         ring.allReduceMean(gradients);   // every worker now holds the same average
 *     }
 * }
 * }</pre>
 *
 * <p><b>Algorithm.</b> The buffer is cut into {@code size} chunks. A reduce-scatter of {@code size - 1}
 * steps sends one chunk to the next worker and adds the chunk received from the previous one, after which
 * worker {@code r} holds the complete sum of chunk {@code (r + 1) % size}; it divides that chunk by
 * {@code size}; an all-gather of {@code size - 1} steps then passes the finished chunks around. Each worker
 * sends and receives {@code 2 (size - 1) / size} times the buffer, whatever the number of workers, which is
 * why the ring is bandwidth-optimal. Every chunk is reduced once, by one worker, in a fixed order, and then
 * copied: all workers end with bitwise identical values, so identical optimizer steps keep identical
 * weights.
 *
 * <p><b>Failures.</b> Every wait (connecting, accepting, each step's send and receive) has a deadline, and
 * {@link Options#aborted()} is polled at least every 100 ms while waiting, so a dead or stuck peer ends in a
 * {@link RingException} naming both ranks, the peer's address and what was missing, never in a hang. Each
 * message carries a sequence number, and the connection handshake compares world size, job token and
 * gradient layout, so workers that disagree fail at once instead of exchanging garbage. After a failure the
 * ring is unusable (later calls throw).
 *
 * <p>Not thread-safe: one thread per worker drives its ring.
 */
public final class Ring implements AutoCloseable {
    private static final int MAGIC = 0x464C4E54; // "FLNT"
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 16;
    private static final int HELLO_BYTES = 28;
    private static final int MAX_LAYOUT_BYTES = 1 << 20;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final long POLL_MILLIS = 100;
    /** Largest piece of a chunk sent as one message: 1 MiB of floats (see {@code step}). */
    static final int SEGMENT_FLOATS = 1 << 18;

    private static final int OP_REDUCE = 1;
    private static final int OP_GATHER = 2;
    private static final int OP_LONGS = 3;

    /**
     * Deadlines and identity checks of a ring.
     *
     * @param connectTimeout how long to keep trying to reach the next worker and to wait for the previous
     *     one to connect
     * @param operationTimeout how long one step of a collective may wait for a peer; it includes the
     *     peer's compute time before it gets there (a slower worker's forward and backward pass)
     * @param jobToken a number every worker of one job shares (a stage attempt, say), so a worker of an
     *     older attempt cannot join a newer ring
     * @param layout a description of what is reduced, such as each parameter's name and shape: workers
     *     whose layouts differ refuse to connect
     * @param aborted polled while waiting; when it says true the wait ends with a {@link RingException}
     *     (Spark's task kill)
     */
    public record Options(Duration connectTimeout, Duration operationTimeout, long jobToken, String layout,
                          BooleanSupplier aborted) {
        /** Checks the values. */
        public Options {
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(aborted, "aborted");
            if (connectTimeout.isNegative() || connectTimeout.isZero() || operationTimeout.isNegative()
                    || operationTimeout.isZero()) {
                throw new IllegalArgumentException("Ring.Options: timeouts must be positive, got connect "
                        + connectTimeout + " and operation " + operationTimeout);
            }
        }

        /** 60 s to connect, 300 s per step, token 0, no layout, never aborted. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), Duration.ofSeconds(300), 0, "", () -> false);
        }

        /** These options with another layout. */
        public Options withLayout(String newLayout) {
            return new Options(connectTimeout, operationTimeout, jobToken, newLayout, aborted);
        }

        /** These options with other timeouts. */
        public Options withTimeouts(Duration connect, Duration operation) {
            return new Options(connect, operation, jobToken, layout, aborted);
        }

        /** These options with another job token. */
        public Options withJobToken(long token) {
            return new Options(connectTimeout, operationTimeout, token, layout, aborted);
        }

        /** These options with another abort check. */
        public Options withAborted(BooleanSupplier check) {
            return new Options(connectTimeout, operationTimeout, jobToken, layout, check);
        }
    }

    /**
     * A worker's listening socket, opened before the addresses are exchanged so that every published
     * address is already accepting connections.
     */
    public static final class Listener implements AutoCloseable {
        private final ServerSocketChannel server;
        private final String advertisedHost;

        private Listener(ServerSocketChannel server, String advertisedHost) {
            this.server = server;
            this.advertisedHost = advertisedHost;
        }

        /**
         * Listens on an ephemeral port of every interface; {@link #address()} names {@code advertisedHost},
         * the host other workers should connect to.
         */
        public static Listener open(String advertisedHost) {
            return open(advertisedHost, null);
        }

        /** Listens on an ephemeral port of {@code bindHost} only (null: every interface). */
        public static Listener open(String advertisedHost, String bindHost) {
            Objects.requireNonNull(advertisedHost, "advertisedHost");
            ServerSocketChannel server = null;
            try {
                server = ServerSocketChannel.open();
                // Set before bind so accepted sockets negotiate a window scale for large buffers.
                server.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
                server.bind(bindHost == null ? new InetSocketAddress(0) : new InetSocketAddress(bindHost, 0), 16);
                server.configureBlocking(false);
                return new Listener(server, advertisedHost);
            } catch (IOException e) {
                closeQuietly(server);
                throw new RingException("cannot open a ring listener on " + (bindHost == null ? "any interface" : bindHost)
                        + ": " + e.getMessage(), e);
            }
        }

        /** The address to publish to the other workers. */
        public PeerAddress address() {
            try {
                return new PeerAddress(advertisedHost, ((InetSocketAddress) server.getLocalAddress()).getPort());
            } catch (IOException e) {
                throw new RingException("ring listener: cannot read its own address: " + e.getMessage(), e);
            }
        }

        /**
         * Connects this worker into the ring: to the next worker's listener, and accepts the previous
         * worker's connection on this one; then both neighbours compare their options.
         *
         * @param rank this worker's rank, {@code 0 <= rank < peers.size()}
         * @param peers every worker's listener address, in rank order ({@code peers.get(rank)} is this one)
         * @throws RingTimeoutException when a neighbour cannot be reached or does not connect in time
         * @throws RingException when a neighbour disagrees on size, job token or layout
         */
        public Ring join(int rank, List<PeerAddress> peers, Options options) {
            return Ring.join(server, rank, peers, options);
        }

        /** Stops listening; closing twice is harmless. Rings joined from this listener stay open. */
        @Override
        public void close() {
            closeQuietly(server);
        }
    }

    private final int rank;
    private final int size;
    private final Options options;
    private final SocketChannel next;
    private final SocketChannel prev;
    private final PeerAddress nextAddress;
    private final PeerAddress prevAddress;
    private final Selector selector;
    private final ByteBuffer sendHeader = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer recvHeader = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer sendBuffer = ByteBuffer.allocateDirect(0);
    private ByteBuffer recvBuffer = ByteBuffer.allocateDirect(0);
    private float[] scratch = new float[0];
    private int sequence;
    private String brokenBy;
    private boolean closed;

    private Ring(int rank, int size, Options options, SocketChannel next, SocketChannel prev, PeerAddress nextAddress,
                 PeerAddress prevAddress, Selector selector) {
        this.rank = rank;
        this.size = size;
        this.options = options;
        this.next = next;
        this.prev = prev;
        this.nextAddress = nextAddress;
        this.prevAddress = prevAddress;
        this.selector = selector;
    }

    /** A ring of one: every collective returns its input (the average of one buffer is itself). */
    public static Ring single(Options options) {
        return new Ring(0, 1, options, null, null, null, null, null);
    }

    private static Ring join(ServerSocketChannel server, int rank, List<PeerAddress> peers, Options options) {
        int size = peers.size();
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("Ring: rank " + rank + " is outside 0.." + (size - 1) + " for " + size
                    + " peers");
        }
        if (size == 1) {
            return single(options);
        }
        int nextRank = (rank + 1) % size;
        int prevRank = (rank + size - 1) % size;
        PeerAddress nextAddress = peers.get(nextRank);
        PeerAddress prevAddress = peers.get(prevRank);
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        SocketChannel next = null;
        SocketChannel prev = null;
        Selector selector = null;
        Ring ring = null;
        try {
            next = connect(rank, nextRank, nextAddress, deadline, options);
            selector = Selector.open();
            prev = accept(server, selector, rank, prevRank, prevAddress, deadline, options);
            next.configureBlocking(false);
            next.register(selector, 0);
            prev.register(selector, 0);
            ring = new Ring(rank, size, options, next, prev, nextAddress, prevAddress, selector);
            ring.handshake(deadline);
            return ring;
        } catch (IOException e) {
            throw new RingException("rank " + rank + ": setting up the ring failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (ring != null) {
                ring.close();
            } else {
                closeQuietly(next);
                closeQuietly(prev);
                closeQuietly(selector);
            }
            throw e;
        }
    }

    private static SocketChannel connect(int rank, int nextRank, PeerAddress address, long deadline, Options options)
            throws IOException {
        String refused = null;
        while (true) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                throw new RingTimeoutException("rank " + rank + " cannot reach rank " + nextRank + " at " + address
                        + " within " + describe(options.connectTimeout()) + (refused == null ? "" : " (" + refused + ")")
                        + ": is the worker up, and is the port open between the two machines?");
            }
            checkAborted(rank, options, "connecting to rank " + nextRank);
            SocketChannel ch = SocketChannel.open();
            try {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
                ch.socket().connect(address.socketAddress(), (int) Math.min(leftMillis, POLL_MILLIS * 10));
                return ch;
            } catch (ConnectException e) {
                // Refused: nothing listens there (yet). Retry until the deadline, then say so.
                refused = e.getMessage();
                closeQuietly(ch);
                sleep(Math.min(POLL_MILLIS, Math.max(1, leftMillis)));
            } catch (SocketTimeoutException e) {
                refused = "connect timed out";
                closeQuietly(ch);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new RingException("rank " + rank + " cannot reach rank " + nextRank + " at " + address + ": "
                        + e, e);
            }
        }
    }

    private static SocketChannel accept(ServerSocketChannel server, Selector selector, int rank, int prevRank,
                                        PeerAddress prevAddress, long deadline, Options options) throws IOException {
        SelectionKey key = server.register(selector, SelectionKey.OP_ACCEPT);
        try {
            while (true) {
                SocketChannel ch = server.accept();
                if (ch != null) {
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
                    return ch;
                }
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0) {
                    throw new RingTimeoutException("rank " + rank + " waited " + describe(options.connectTimeout())
                            + " for rank " + prevRank + " (" + prevAddress + ") to connect; it is down or cannot reach"
                            + " this worker's port " + ((InetSocketAddress) server.getLocalAddress()).getPort());
                }
                checkAborted(rank, options, "waiting for rank " + prevRank + " to connect");
                selector.select(Math.max(1, Math.min(POLL_MILLIS, leftNanos / 1_000_000)));
                selector.selectedKeys().clear();
            }
        } finally {
            key.cancel();
            selector.selectNow();
        }
    }

    /**
     * Hello to the next worker and from the previous; then the same backwards, so each worker checks
     * both neighbours and a disagreement is reported on both sides of the link.
     */
    private void handshake(long deadline) {
        byte[] layout = options.layout().getBytes(StandardCharsets.UTF_8);
        if (layout.length > MAX_LAYOUT_BYTES) {
            throw new IllegalArgumentException("Ring: layout description of " + layout.length + " bytes exceeds "
                    + MAX_LAYOUT_BYTES);
        }
        long timeout = deadline - System.nanoTime();
        helloExchange(next, nextAddress, (rank + 1) % size, prev, prevAddress, (rank + size - 1) % size, layout,
                Math.max(timeout, 1));
        helloExchange(prev, prevAddress, (rank + size - 1) % size, next, nextAddress, (rank + 1) % size, layout,
                Math.max(deadline - System.nanoTime(), 1));
    }

    private void helloExchange(SocketChannel out, PeerAddress outAddress, int outRank, SocketChannel in,
                               PeerAddress inAddress, int inRank, byte[] layout, long timeoutNanos) {
        ByteBuffer hello = ByteBuffer.allocate(HELLO_BYTES + layout.length).order(ByteOrder.LITTLE_ENDIAN);
        hello.putInt(MAGIC).putInt(VERSION).putInt(rank).putInt(size).putLong(options.jobToken())
                .putInt(layout.length).put(layout).flip();
        ByteBuffer head = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer[] theirLayout = new ByteBuffer[1];
        transfer(out, outAddress, outRank, new ByteBuffer[] {hello}, in, inAddress, inRank, head, h -> {
            int magic = h.getInt();
            int version = h.getInt();
            int theirRank = h.getInt();
            int theirSize = h.getInt();
            long token = h.getLong();
            int layoutBytes = h.getInt();
            String who = "rank " + rank + ": the worker at " + inAddress;
            if (magic != MAGIC) {
                throw new RingException(who + " is not a Flint ring worker (it sent 0x" + Integer.toHexString(magic)
                        + " where 0x" + Integer.toHexString(MAGIC) + " was expected)");
            }
            if (version != VERSION) {
                throw new RingException(who + " speaks ring protocol " + version + ", this worker " + VERSION
                        + ": are both running the same Flint version?");
            }
            if (theirRank != inRank || theirSize != size) {
                throw new RingException(who + " says it is rank " + theirRank + " of " + theirSize + "; expected rank "
                        + inRank + " of " + size);
            }
            if (token != options.jobToken()) {
                throw new RingException(who + " (rank " + inRank + ") belongs to job " + token + ", this worker to job "
                        + options.jobToken() + ": a worker of another attempt?");
            }
            if (layoutBytes < 0 || layoutBytes > MAX_LAYOUT_BYTES) {
                throw new RingException(who + " announced a layout of " + layoutBytes + " bytes (at most "
                        + MAX_LAYOUT_BYTES + ")");
            }
            theirLayout[0] = ByteBuffer.allocate(layoutBytes);
            return theirLayout[0];
        }, "the handshake", timeoutNanos);
        String theirs = new String(theirLayout[0].array(), StandardCharsets.UTF_8);
        if (!theirs.equals(options.layout())) {
            throw new RingException("rank " + rank + " and rank " + inRank + " (" + inAddress + ") train different "
                    + "models: " + layoutDifference(options.layout(), theirs, rank, inRank));
        }
    }

    /** Where two layout descriptions first differ, with both versions of that place. */
    static String layoutDifference(String mine, String theirs, int myRank, int theirRank) {
        return layoutDifference(mine, theirs, "rank " + myRank, "rank " + theirRank);
    }

    /** As above, naming the two sides {@code me} and {@code them}. */
    public static String layoutDifference(String mine, String theirs, String me, String them) {
        int i = 0;
        while (i < mine.length() && i < theirs.length() && mine.charAt(i) == theirs.charAt(i)) {
            i++;
        }
        int from = Math.max(0, mine.lastIndexOf(", ", Math.max(0, i - 1)));
        from = from == 0 ? 0 : from + 2;
        return me + " has " + excerpt(mine, from) + " where " + them + " has " + excerpt(theirs, from);
    }

    private static String excerpt(String s, int from) {
        if (from >= s.length()) {
            return "nothing more";
        }
        int end = Math.min(s.length(), from + 160);
        return "'" + s.substring(from, end) + (end < s.length() ? "..." : "") + "'";
    }

    /** This worker's rank. */
    public int rank() {
        return rank;
    }

    /** Number of workers in the ring. */
    public int size() {
        return size;
    }

    /** Replaces {@code data} with the element-wise mean of every worker's {@code data}; see the class comment. */
    public void allReduceMean(float[] data) {
        allReduceMean(data, 0, data.length);
    }

    /**
     * Replaces {@code data[offset, offset + length)} with the element-wise mean over all workers. Every
     * worker must call it with the same {@code length}, in the same order relative to the other
     * collectives.
     *
     * @param data modified: the range holds the mean afterwards, bitwise identical on every worker
     * @throws RingException when a peer fails, disagrees on the length, or misses the deadline
     */
    public void allReduceMean(float[] data, int offset, int length) {
        allReduce(data, offset, length, true);
    }

    /** As {@link #allReduceMean(float[], int, int)}, but the element-wise sum. */
    public void allReduceSum(float[] data, int offset, int length) {
        allReduce(data, offset, length, false);
    }

    private void allReduce(float[] data, int offset, int length, boolean mean) {
        checkUsable();
        Objects.checkFromIndexSize(offset, length, data.length);
        if (size == 1) {
            return;
        }
        int maxChunk = (length + size - 1) / size;
        ensureCapacity(Math.min(maxChunk, SEGMENT_FLOATS));
        try {
            // Reduce-scatter: at step s, send chunk (rank - s) and add the received chunk (rank - s - 1).
            for (int s = 0; s < size - 1; s++) {
                step(OP_REDUCE, data, offset, length, Math.floorMod(rank - s, size), Math.floorMod(rank - s - 1, size));
            }
            int owned = Math.floorMod(rank + 1, size);
            if (mean) {
                int from = start(offset, length, owned);
                int to = start(offset, length, owned + 1);
                float divisor = size;
                for (int i = from; i < to; i++) {
                    data[i] /= divisor;
                }
            }
            // All-gather: at step s, send chunk (rank + 1 - s) and store the received chunk (rank - s).
            for (int s = 0; s < size - 1; s++) {
                step(OP_GATHER, data, offset, length, Math.floorMod(rank + 1 - s, size), Math.floorMod(rank - s, size));
            }
        } catch (RuntimeException e) {
            brokenBy = e.getMessage();
            throw e;
        }
    }

    /**
     * Every worker's {@code value}, indexed by rank (this worker's own at {@code [rank()]}).
     *
     * <pre>{@code
     * long[] sums = ring.allGather(checksum(weights));   // equal on every worker, or the replicas diverged
     * }</pre>
     */
    public long[] allGather(long value) {
        checkUsable();
        long[] out = new long[size];
        out[rank] = value;
        if (size == 1) {
            return out;
        }
        ensureCapacity(2);
        try {
            for (int s = 0; s < size - 1; s++) {
                int outRank = Math.floorMod(rank - s, size);
                int inRank = Math.floorMod(rank - s - 1, size);
                sendBuffer.clear();
                sendBuffer.putLong(0, out[outRank]).limit(8);
                exchange(OP_LONGS, 8, 8);
                out[inRank] = recvBuffer.getLong(0);
            }
        } catch (RuntimeException e) {
            brokenBy = e.getMessage();
            throw e;
        }
        return out;
    }

    /**
     * One ring step: chunk {@code outChunk} to the next worker, chunk {@code inChunk} from the previous one
     * (added for a reduce, stored for a gather), in segments of at most {@link #SEGMENT_FLOATS}: the
     * staging buffers stay cache-sized and bounded whatever the model's size, and each segment is reduced
     * while it is still in cache. Both neighbours cut the same chunk the same way, so segment j of what
     * one sends is segment j of what the other expects.
     */
    private void step(int op, float[] data, int offset, int length, int outChunk, int inChunk) {
        int outFrom = start(offset, length, outChunk);
        int outLen = start(offset, length, outChunk + 1) - outFrom;
        int inFrom = start(offset, length, inChunk);
        int inLen = start(offset, length, inChunk + 1) - inFrom;
        int segments = Math.max(1, Math.max(ceilDiv(outLen, SEGMENT_FLOATS), ceilDiv(inLen, SEGMENT_FLOATS)));
        for (int j = 0; j < segments; j++) {
            int outAt = Math.min(j * SEGMENT_FLOATS, outLen);
            int outCount = Math.min(SEGMENT_FLOATS, outLen - outAt);
            int inAt = Math.min(j * SEGMENT_FLOATS, inLen);
            int inCount = Math.min(SEGMENT_FLOATS, inLen - inAt);
            sendBuffer.clear();
            sendBuffer.asFloatBuffer().put(data, outFrom + outAt, outCount);
            exchange(op, outCount * Float.BYTES, inCount * Float.BYTES);
            if (op == OP_REDUCE) {
                recvBuffer.asFloatBuffer().get(scratch, 0, inCount);
                int base = inFrom + inAt;
                for (int i = 0; i < inCount; i++) {
                    data[base + i] += scratch[i];
                }
            } else {
                recvBuffer.asFloatBuffer().get(data, inFrom + inAt, inCount);
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private int start(int offset, int length, int chunk) {
        return offset + (int) ((long) length * chunk / size);
    }

    /** Sends the header and {@code sendBuffer} to the next worker while receiving the previous one's. */
    private void exchange(int op, int sendBytes, int expectBytes) {
        int seq = sequence++;
        sendHeader.clear();
        sendHeader.putInt(MAGIC).putInt(op).putInt(seq).putInt(sendBytes).flip();
        sendBuffer.position(0).limit(sendBytes);
        recvHeader.clear();
        String what = opName(op) + " step " + seq;
        transfer(next, nextAddress, (rank + 1) % size, new ByteBuffer[] {sendHeader, sendBuffer}, prev, prevAddress,
                (rank + size - 1) % size, recvHeader, h -> {
                    int magic = h.getInt();
                    int theirOp = h.getInt();
                    int theirSeq = h.getInt();
                    int bytes = h.getInt();
                    if (magic != MAGIC || theirOp != op || theirSeq != seq || bytes != expectBytes) {
                        throw new RingException("rank " + rank + ": rank " + ((rank + size - 1) % size) + " ("
                                + prevAddress + ") is out of step: it sent " + opName(theirOp) + " step " + theirSeq
                                + " of " + bytes + " bytes where " + what + " of " + expectBytes + " bytes was due"
                                + (bytes != expectBytes && theirOp == op ? " (do the workers reduce buffers of the same "
                                + "length?)" : ""));
                    }
                    recvBuffer.clear().limit(expectBytes);
                    return recvBuffer;
                }, what, options.operationTimeout().toNanos());
        recvBuffer.flip();
    }

    private static String opName(int op) {
        return switch (op) {
            case OP_REDUCE -> "reduce-scatter";
            case OP_GATHER -> "all-gather";
            case OP_LONGS -> "gather of values";
            default -> "unknown operation " + op;
        };
    }

    /** What to read after a fixed-size head: the head decides (and checks) the rest. */
    private interface Body {
        ByteBuffer after(ByteBuffer head);
    }

    /**
     * Writes {@code send} to {@code out} and reads {@code head}, then the buffer {@code body} returns, from
     * {@code in}, both at once (so two workers sending large chunks to each other cannot deadlock on full
     * socket buffers), until both are done or {@code timeoutNanos} pass.
     */
    private void transfer(SocketChannel out, PeerAddress outAddress, int outRank, ByteBuffer[] send, SocketChannel in,
                          PeerAddress inAddress, int inRank, ByteBuffer head, Body body, String what,
                          long timeoutNanos) {
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        long sendTotal = remaining(send);
        ByteBuffer rest = null;
        SelectionKey outKey = out.keyFor(selector);
        SelectionKey inKey = in.keyFor(selector);
        try {
            while (true) {
                if (remaining(send) > 0) {
                    out.write(send);
                }
                if (rest == null) {
                    if (in.read(head) < 0) {
                        throw closed(inRank, inAddress, what, head.position(), head.capacity());
                    }
                    if (!head.hasRemaining()) {
                        head.flip();
                        rest = body.after(head);
                    }
                }
                if (rest != null && rest.hasRemaining() && in.read(rest) < 0) {
                    throw closed(inRank, inAddress, what, rest.position(), rest.limit());
                }
                boolean sending = remaining(send) > 0;
                boolean receiving = rest == null || rest.hasRemaining();
                if (!sending && !receiving) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new RingTimeoutException("rank " + rank + ": " + what + " timed out after "
                            + describe(Duration.ofNanos(timeoutNanos)) + ": " + (receiving ? "rank " + inRank + " ("
                            + inAddress + ") sent " + (rest == null ? head.position() : HEADER_BYTES + rest.position())
                            + " bytes of its message" : "") + (sending && receiving ? "; " : "") + (sending ? "rank "
                            + outRank + " (" + outAddress + ") took " + (sendTotal - remaining(send)) + " of "
                            + sendTotal + " bytes" : "") + ": is that worker stuck, or much slower than this one?");
                }
                checkAborted(rank, options, what);
                if (out == in) {
                    outKey.interestOps((sending ? SelectionKey.OP_WRITE : 0) | (receiving ? SelectionKey.OP_READ : 0));
                } else {
                    outKey.interestOps(sending ? SelectionKey.OP_WRITE : 0);
                    inKey.interestOps(receiving ? SelectionKey.OP_READ : 0);
                }
                selector.select(Math.max(1, Math.min(POLL_MILLIS, left / 1_000_000)));
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new RingException("rank " + rank + ": " + what + " failed on the link to rank "
                    + (sendTotal - remaining(send) < sendTotal ? outRank + " (" + outAddress + ")" : inRank + " ("
                    + inAddress + ")") + ": " + e.getMessage() + " (did that worker's task die?)", e);
        } finally {
            outKey.interestOps(0);
            inKey.interestOps(0);
        }
    }

    private RingException closed(int peerRank, PeerAddress address, String what, int got, int expected) {
        return new RingException("rank " + rank + ": rank " + peerRank + " (" + address + ") closed the connection "
                + "during " + what + " after " + got + " of " + expected + " bytes: its task failed or was killed "
                + "(see its error)");
    }

    private static long remaining(ByteBuffer[] buffers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        return n;
    }

    private void ensureCapacity(int floats) {
        int bytes = Math.max(floats * Float.BYTES, 8);
        if (sendBuffer.capacity() < bytes) {
            sendBuffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            recvBuffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (scratch.length < floats) {
            scratch = new float[floats];
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("Ring: rank " + rank + " is closed");
        }
        if (brokenBy != null) {
            throw new IllegalStateException("Ring: rank " + rank + " cannot be used after an earlier failure: "
                    + brokenBy);
        }
    }

    private static void checkAborted(int rank, Options options, String what) {
        if (options.aborted().getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new RingException("rank " + rank + ": aborted while " + what + " (the task was cancelled)");
        }
    }

    private static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while connecting", e);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing after a failure: the first error is the one worth reporting.
            }
        }
    }

    /** Closes both connections; closing twice is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(next);
        closeQuietly(prev);
        closeQuietly(selector);
    }

    @Override
    public String toString() {
        return "Ring(rank " + rank + " of " + size + (size > 1 ? ", next " + nextAddress + ", prev " + prevAddress : "")
                + ")";
    }
}

package dev.flint.io;

import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * What every fuzz target of the file readers checks beyond "no exception but the documented one": the
 * read allocates memory in proportion to the bytes actually present, never to a size the header claims,
 * and it finishes quickly.
 *
 * <pre>{@code
 * FuzzChecks.read("safetensors", bytes.length, () -> SafeTensors.readHost(channel, "fuzz"));
 * }</pre>
 *
 * <p>The allocation bound is on the bytes the reading thread allocates in all ({@code
 * com.sun.management.ThreadMXBean}), an upper bound of the largest single allocation: {@value
 * #FIXED_BYTES} bytes of fixed buffers (stream buffers, Jackson's, messages) plus {@value #PER_BYTE}
 * bytes per byte present (a JSON header becomes a tree of nodes several times its size). A reader that
 * trusted a header claiming 2 GB, or even 1 MB, in a small file blows far past it.
 */
public final class FuzzChecks {
    /** Allocation every read may make whatever its input. */
    public static final long FIXED_BYTES = 512 * 1024;
    /** Allocation allowed per byte present (after decompression). */
    public static final long PER_BYTE = 64;
    /** A read slower than this is a finding (a hang shows up as a run that never ends). */
    public static final long SLOW_NANOS = 5_000_000_000L;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzChecks() {
    }

    /** A read of one fuzzed input. */
    public interface Read {
        /** Reads the input; may throw the documented {@link CorruptFileException}. */
        void run() throws IOException;
    }

    /**
     * Runs {@code read}: a {@link CorruptFileException} is the documented outcome for a bad input; any
     * other exception propagates (a finding); so does too much memory or time.
     *
     * @param what the target, for messages
     * @param presentBytes the bytes the input really holds (after decompression for gzip)
     * @return whether the input was accepted
     */
    public static boolean read(String what, long presentBytes, Read read) {
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
            throw new IllegalStateException("this JVM cannot count allocated bytes per thread");
        }
        // The first read of an input may load and initialize classes (Jackson's, an exception's, the
        // formatter's), whose allocations and time are not the reader's: measure a second read of the same
        // input. Only our own classes are instrumented while fuzzing: Jazzer's comparison hooks allocate,
        // so instrumenting Jackson would charge their allocations to the reader.
        boolean accepted = readOnce(what, read);
        long limit = FIXED_BYTES + PER_BYTE * presentBytes;
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        readOnce(what, read);
        long nanos = System.nanoTime() - start;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        if (allocated > limit) {
            // While fuzzing, the instrumentation itself sometimes allocates during a read (megabytes, once,
            // for an input that stays far under the limit when replayed): a finding must repeat.
            long again = THREADS.getCurrentThreadAllocatedBytes();
            readOnce(what, read);
            allocated = Math.min(allocated, THREADS.getCurrentThreadAllocatedBytes() - again);
        }
        if (allocated > limit) {
            throw new AssertionError(what + ": allocated " + allocated + " bytes for " + presentBytes
                    + " bytes of input (limit " + limit + "): a size from the header was trusted");
        }
        if (nanos > SLOW_NANOS) {
            throw new AssertionError(what + ": took " + nanos / 1_000_000 + " ms for " + presentBytes + " bytes");
        }
        return accepted;
    }

    private static boolean readOnce(String what, Read read) {
        try {
            read.run();
            return true;
        } catch (CorruptFileException documented) {
            if (documented.getMessage() == null || documented.getMessage().isBlank()) {
                throw new AssertionError(what + ": CorruptFileException without a message", documented);
            }
            return false;
        } catch (IOException e) {
            throw new AssertionError(what + ": undocumented " + e.getClass().getName()
                    + " (only CorruptFileException may come from bytes in memory)", e);
        }
    }
}

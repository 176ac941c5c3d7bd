package dev.flint.cli;

import java.util.Locale;

/**
 * Turns a Java heap exhaustion into a message a user can act on: what was being done and how much it
 * needs, how much heap the JVM may use, and how to give it more ({@code -Xmx}, which {@code ./flint}
 * passes on from {@code FLINT_JAVA_OPTS}).
 */
final class HeapMessages {
    private HeapMessages() {
    }

    /**
     * The message for an {@link OutOfMemoryError} thrown while {@code doing} something that needs about
     * {@code neededBytes} (0 when unknown; said only when it is at least half the heap limit), in the
     * command {@code command} ("train").
     */
    static String outOfMemory(String doing, long neededBytes, String command) {
        long max = Runtime.getRuntime().maxMemory();
        long suggestGiB = Math.max(2, ceilGiB(Math.max(2 * max, neededBytes + max)));
        // An estimate far below the limit would only puzzle: then something else filled the heap.
        String need = neededBytes >= max / 2 ? ", which needs about " + mib(neededBytes) : "";
        return String.format(Locale.ROOT, "out of memory (Java heap) while %s%s; this JVM may use at most %s of "
                + "heap (-Xmx). Give it more, for example: FLINT_JAVA_OPTS=-Xmx%dg ./flint %s ... (or java -Xmx%dg "
                + "-jar cli/target/flint.jar %s ...)", doing, need, mib(max), suggestGiB, command, suggestGiB, command);
    }

    private static long ceilGiB(long bytes) {
        return (bytes + (1L << 30) - 1) >> 30;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d MB", bytes >> 20);
    }
}

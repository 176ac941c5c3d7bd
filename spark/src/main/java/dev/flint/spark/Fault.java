package dev.flint.spark;

import java.io.Serializable;

/**
 * A failure to inject, for tests of recovery: worker {@code rank} fails before step {@code step} of epoch
 * {@code epoch} (0-based), in the first attempt of the stage only, so Spark's retry succeeds.
 *
 * <pre>{@code
 * options.fault(new Fault(1, 1, 3, Fault.Kind.HALT_EXECUTOR));   // kill rank 1's executor JVM mid-epoch 2
 * }</pre>
 *
 * @param epoch 0-based epoch
 * @param rank the worker that fails
 * @param step 0-based step before which it fails
 * @param kind how it fails
 */
public record Fault(int epoch, int rank, int step, Kind kind) implements Serializable {
    /** How the worker fails. */
    public enum Kind {
        /** The task throws: an ordinary task failure. */
        THROW,
        /** The executor's JVM halts at once (exit code 137), as if killed: only for clusters, never local mode. */
        HALT_EXECUTOR
    }

    /**
     * Parses {@code epoch:rank:step:kind} (0-based numbers; kind {@code throw} or {@code halt}), the form of
     * the setting {@code spark.flint.fault} that the cluster check uses.
     */
    public static Fault parse(String text) {
        String[] parts = text.split(":");
        try {
            if (parts.length == 4) {
                Kind kind = switch (parts[3]) {
                    case "throw" -> Kind.THROW;
                    case "halt" -> Kind.HALT_EXECUTOR;
                    default -> null;
                };
                if (kind != null) {
                    return new Fault(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), kind);
                }
            }
        } catch (NumberFormatException ignored) {
            // Reported below.
        }
        throw new IllegalArgumentException("Fault: expected epoch:rank:step:throw|halt (0-based numbers), got '" + text + "'");
    }
}

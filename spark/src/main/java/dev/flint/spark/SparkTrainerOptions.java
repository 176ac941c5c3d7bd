package dev.flint.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link SparkTrainer} distributes: workers, global batch, seed, checkpoint folder, deadlines and the
 * debugging checksum. Made with {@link #builder()}.
 *
 * <pre>{@code
 * SparkTrainerOptions o = SparkTrainerOptions.builder().workers(4).globalBatch(64).seed(42)
 *         .checkpointDir(Path.of("runs/x/spark-checkpoint")).build();
 * }</pre>
 *
 * @param workers barrier tasks, one per data partition; the cluster must have this many free task slots
 * @param globalBatch samples per step over all workers (a multiple of {@code workers})
 * @param seed seeds the shuffles and the workers' model factories
 * @param checkpointDir where the driver writes {@code checkpoint.safetensors} and {@code history.csv}
 *     after every epoch, and resumes from when they exist
 * @param connectTimeout how long workers try to reach each other
 * @param operationTimeout how long a step may wait for another worker
 * @param slotTimeout how long the driver waits for the cluster to offer {@code workers} task slots
 * @param checksumEvery compare the replicas' weights every this many steps (0: at the end of each epoch)
 * @param fault a failure to inject (tests), or null
 */
public record SparkTrainerOptions(int workers, int globalBatch, long seed, String checkpointDir,
                                  Duration connectTimeout, Duration operationTimeout, Duration slotTimeout,
                                  int checksumEvery, Fault fault) implements Serializable {

    /** Checks the values. */
    public SparkTrainerOptions {
        if (workers < 1) {
            throw new IllegalArgumentException("SparkTrainerOptions: workers must be >= 1, got " + workers);
        }
        if (globalBatch < 1 || globalBatch % workers != 0) {
            throw new IllegalArgumentException("SparkTrainerOptions: the global batch (" + globalBatch + ") must be a "
                    + "positive multiple of the number of workers (" + workers + ")");
        }
        Objects.requireNonNull(checkpointDir, "checkpointDir");
        if (checksumEvery < 0) {
            throw new IllegalArgumentException("SparkTrainerOptions: checksumEvery must be >= 0, got " + checksumEvery);
        }
    }

    /** Defaults: 2 workers, global batch 64, seed 42, 60 s to connect, 300 s per step, 120 s for slots. */
    public static Builder builder() {
        return new Builder();
    }

    /** The checkpoint folder as a path. */
    public Path checkpointPath() {
        return Path.of(checkpointDir);
    }

    /** Options of {@link SparkTrainerOptions}. */
    public static final class Builder {
        private int workers = 2;
        private int globalBatch = 64;
        private long seed = 42;
        private String checkpointDir = "spark-checkpoint";
        private Duration connectTimeout = Duration.ofSeconds(60);
        private Duration operationTimeout = Duration.ofSeconds(300);
        private Duration slotTimeout = Duration.ofSeconds(120);
        private int checksumEvery;
        private Fault fault;

        private Builder() {
        }

        /** Number of workers (default 2). */
        public Builder workers(int n) {
            workers = n;
            return this;
        }

        /** Samples per step over all workers (default 64). */
        public Builder globalBatch(int n) {
            globalBatch = n;
            return this;
        }

        /** Seed of shuffles and factories (default 42). */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Checkpoint folder (default {@code spark-checkpoint}, relative to the driver's working directory). */
        public Builder checkpointDir(Path dir) {
            checkpointDir = dir.toString();
            return this;
        }

        /** Deadlines of the ring: reaching the other workers, and one step (defaults 60 s and 300 s). */
        public Builder timeouts(Duration connect, Duration operation) {
            connectTimeout = connect;
            operationTimeout = operation;
            return this;
        }

        /** How long to wait for enough task slots (default 120 s). */
        public Builder slotTimeout(Duration d) {
            slotTimeout = d;
            return this;
        }

        /** Compare the replicas' weights every {@code steps} steps (default 0: once per epoch). */
        public Builder checksumEvery(int steps) {
            checksumEvery = steps;
            return this;
        }

        /** Inject {@code f} (tests of recovery). */
        public Builder fault(Fault f) {
            fault = f;
            return this;
        }

        /** The options; throws {@link IllegalArgumentException} naming a bad value. */
        public SparkTrainerOptions build() {
            return new SparkTrainerOptions(workers, globalBatch, seed, checkpointDir, connectTimeout, operationTimeout,
                    slotTimeout, checksumEvery, fault);
        }
    }
}

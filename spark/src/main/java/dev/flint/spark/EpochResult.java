package dev.flint.spark;

import dev.flint.spark.replica.EpochStats;
import java.io.Serializable;

/**
 * What one worker returns from an epoch: its statistics, and on rank 0 the trained state (model and
 * optimizer, as safetensors bytes) for the driver's checkpoint.
 *
 * @param rank the worker
 * @param stats what it measured
 * @param state rank 0: {@link StateCodec} bytes; other ranks: null
 * @param host where it ran
 */
public record EpochResult(int rank, EpochStats stats, byte[] state, String host) implements Serializable {
}

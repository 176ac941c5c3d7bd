package dev.flint.spark.replica;

import java.io.Serializable;

/**
 * What one replica measured in one epoch, on its own shard.
 *
 * @param lossSum the data loss (without penalties) times the samples, summed over the steps
 * @param correct samples whose highest score was their label
 * @param samples samples trained on
 * @param steps optimizer steps taken (the same on every replica)
 * @param checksum the checksum of the weights after the last step (the same on every replica)
 */
public record EpochStats(double lossSum, long correct, long samples, int steps, long checksum) implements Serializable {
}

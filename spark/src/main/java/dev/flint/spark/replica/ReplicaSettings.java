package dev.flint.spark.replica;

import java.io.Serializable;

/**
 * How every replica trains; the same on every worker.
 *
 * <pre>{@code
 * ReplicaSettings s = new ReplicaSettings(64, 42, 0f, 0f, 0f, 50);   // global batch 64, checksum every 50 steps
 * }</pre>
 *
 * @param globalBatch samples per step over all workers; each worker takes {@code globalBatch / workers}
 * @param seed seeds each worker's per-epoch shuffle of its shard (with the epoch and the rank)
 * @param l2 weight of the L2 penalty on parameters named {@code *weight} (as {@code Trainer}); 0 for none
 * @param l1 weight of the L1 penalty on the weights; 0 for none
 * @param gradClipNorm the largest global norm of the averaged gradient; 0 for no clipping
 * @param checksumEvery compare a checksum of every replica's weights every this many steps (0: only at the
 *     end of each epoch); replicas that differ stop the run (a debugging aid, and a cheap one)
 */
public record ReplicaSettings(int globalBatch, long seed, float l2, float l1, float gradClipNorm, int checksumEvery)
        implements Serializable {

    /** Checks the ranges. */
    public ReplicaSettings {
        if (globalBatch < 1) {
            throw new IllegalArgumentException("ReplicaSettings: global batch must be >= 1, got " + globalBatch);
        }
        if (!(l2 >= 0f) || !(l1 >= 0f) || !(gradClipNorm >= 0f) || checksumEvery < 0) {
            throw new IllegalArgumentException("ReplicaSettings: l2, l1, gradClipNorm and checksumEvery must be >= 0, got"
                    + " l2=" + l2 + " l1=" + l1 + " gradClipNorm=" + gradClipNorm + " checksumEvery=" + checksumEvery);
        }
    }
}

package dev.flint.spark.replica;

import dev.flint.tensor.Rng;
import java.util.Arrays;
import java.util.Objects;

/**
 * One worker's part of the training data, on the host: {@code size()} samples of {@code sampleSize}
 * floats each (row-major in {@code sampleShape}) and their int labels.
 *
 * <pre>{@code
 * Shard shard = new Shard(features, labels, new int[] {1, 28, 28});   // features: size * 784 floats
 * int[] order = shard.order(42, 3, 1);                                 // epoch 3 of rank 1, seeded
 * }</pre>
 *
 * <p>The arrays are not copied. Each epoch visits the shard in an order drawn from the seed, the epoch and
 * the rank alone ({@link #order}), so a replica and the single-process reference of the equivalence tests
 * pick the same samples, and an epoch retried after a failure repeats exactly.
 */
public final class Shard {
    private final float[] features;
    private final int[] labels;
    private final int[] sampleShape;
    private final int sampleSize;

    /**
     * @param features {@code labels.length * product(sampleShape)} floats, sample after sample; not copied
     * @param labels one class index per sample; not copied
     * @param sampleShape the shape of one sample, such as {@code {1, 28, 28}}
     * @throws IllegalArgumentException when the sizes disagree
     */
    public Shard(float[] features, int[] labels, int[] sampleShape) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        int n = 1;
        for (int d : sampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("Shard: sample shape " + Arrays.toString(sampleShape)
                        + " has a dimension below 1");
            }
            n *= d;
        }
        if ((long) labels.length * n != features.length) {
            throw new IllegalArgumentException("Shard: " + labels.length + " samples of shape "
                    + Arrays.toString(sampleShape) + " need " + (long) labels.length * n + " floats, got "
                    + features.length);
        }
        this.features = features;
        this.labels = labels;
        this.sampleShape = sampleShape.clone();
        this.sampleSize = n;
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Floats per sample. */
    public int sampleSize() {
        return sampleSize;
    }

    /** A copy of one sample's shape. */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** The visiting order of {@code epoch} (0-based) on worker {@code rank}: a permutation of the samples. */
    public int[] order(long seed, int epoch, int rank) {
        int[] order = new int[size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        new Rng(mix(seed, epoch, rank)).shuffle(order);
        return order;
    }

    /** Copies the samples {@code order[from, from + count)} into {@code x} (count * sampleSize) and {@code y}. */
    public void gather(int[] order, int from, int count, float[] x, int xOffset, int[] y, int yOffset) {
        for (int i = 0; i < count; i++) {
            int s = order[from + i];
            System.arraycopy(features, s * sampleSize, x, xOffset + i * sampleSize, sampleSize);
            y[yOffset + i] = labels[s];
        }
    }

    /** A seed for (seed, epoch, rank) whose neighbours are unrelated (SplitMix64's finalizer on each step). */
    static long mix(long seed, int epoch, int rank) {
        long h = seed;
        h = splitmix(h ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
        h = splitmix(h ^ (0xC2B2AE3D27D4EB4FL * (rank + 1)));
        return h;
    }

    private static long splitmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

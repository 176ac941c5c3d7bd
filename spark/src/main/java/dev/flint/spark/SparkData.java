package dev.flint.spark;

import dev.flint.data.Dataset;
import dev.flint.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Training data as an RDD of {@link Sample}s, one partition per worker.
 *
 * <pre>{@code
 * JavaRDD<Sample> rdd = SparkData.parallelize(sc, EmbeddedMnist.train(), 4, 42);   // 4 shards of 2,500
 * }</pre>
 *
 * <p>For data that does not fit the driver, build the RDD from files on the cluster (each record a
 * {@code Sample}) with as many partitions as workers; {@link SparkTrainer} needs nothing else.
 */
public final class SparkData {
    private SparkData() {
    }

    /**
     * The samples of {@code data} in a seeded random order, cut into {@code partitions} contiguous parts
     * (sizes differ by at most one), so each worker's shard is a random sample of the whole.
     */
    public static JavaRDD<Sample> parallelize(JavaSparkContext sc, Dataset data, int partitions, long seed) {
        if (partitions < 1) {
            throw new IllegalArgumentException("SparkData: partitions must be >= 1, got " + partitions);
        }
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        new Rng(seed).shuffle(order);
        List<Sample> samples = new ArrayList<>(order.length);
        for (int index : order) {
            float[] x = new float[data.sampleSize()];
            int y = data.copySample(index, x, 0);
            samples.add(new Sample(x, y));
        }
        return sc.parallelize(samples, partitions);
    }
}

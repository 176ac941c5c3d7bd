package dev.flint.spark;

import java.io.Serializable;

/**
 * One labelled training sample, the element of the training RDD: its features (row-major in the sample
 * shape given to {@link SparkTrainer#fit}) and its class.
 *
 * <pre>{@code
 * JavaRDD<Sample> rdd = sc.parallelize(List.of(new Sample(new float[] {0.5f, 1f}, 1)), 2);
 * }</pre>
 *
 * @param features not copied
 * @param label the class index
 */
public record Sample(float[] features, int label) implements Serializable {
}

/**
 * Data-parallel training on Apache Spark: {@link dev.flint.spark.SparkTrainer} runs each epoch as one
 * barrier stage whose tasks are the workers ({@link dev.flint.spark.EpochTask}), writes a checkpoint on the
 * driver after every epoch, and resumes from it; {@link dev.flint.spark.SparkData} spreads a data set over
 * the workers; {@link dev.flint.spark.SparkTrain} is the entry point of {@code spark-submit} and of
 * {@code flint train --spark}. The ring all-reduce and the replica below it are plain Java
 * ({@code dev.flint.spark.ring}, {@code dev.flint.spark.replica}).
 */
package dev.flint.spark;

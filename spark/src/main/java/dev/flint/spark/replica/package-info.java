/**
 * One data-parallel replica's training, in plain Java: a model, an optimizer and a shard of the data on
 * one worker, stepping in lockstep with the other replicas through a {@link dev.flint.spark.ring.Ring}.
 * No Spark types: the Spark glue in {@code dev.flint.spark} runs a {@link dev.flint.spark.replica.Replica}
 * inside a barrier task, and the tests run several on threads.
 */
package dev.flint.spark.replica;

/**
 * The ring all-reduce between data-parallel workers, in plain Java over TCP ({@code java.nio}): no Spark
 * types, so it is tested and benchmarked on its own. {@link dev.flint.spark.ring.Ring} connects each
 * worker to the next one and averages float buffers with a reduce-scatter followed by an all-gather;
 * every wait has a deadline.
 */
package dev.flint.spark.ring;

package dev.flint.spark;

import dev.flint.nn.Module;
import java.io.Serializable;

/**
 * Builds the model on each worker (its weights are then overwritten by the driver's, so only the
 * architecture matters; {@code seed} differs per worker and epoch, for dropout masks). Serializable: it
 * travels to the executors, so capture only serializable values.
 *
 * <pre>{@code
 * ModelFactory mlp = seed -> new Sequential(new Flatten(), new Linear(784, 10, true, new Rng(seed), Backends.get("cpu")));
 * }</pre>
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
    /** A new model; the caller owns (and closes) it. */
    Module create(long seed);
}

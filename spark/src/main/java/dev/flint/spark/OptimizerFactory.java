package dev.flint.spark;

import dev.flint.optim.Optimizer;
import dev.flint.tensor.Tensor;
import java.io.Serializable;
import java.util.List;

/**
 * Builds the optimizer on each worker, over that worker's model parameters, with the same
 * hyperparameters as the driver's (its state then comes from the driver's checkpoint). Serializable.
 *
 * <pre>{@code
 * OptimizerFactory adam = params -> new Adam(params, 1e-3f);
 * }</pre>
 */
@FunctionalInterface
public interface OptimizerFactory extends Serializable {
    /** A new optimizer of {@code params}; the caller owns (and closes) it. */
    Optimizer create(List<Tensor> params);
}

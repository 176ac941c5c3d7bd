package dev.flint.spark;

import dev.flint.loss.Loss;
import java.io.Serializable;

/**
 * Makes the loss on each worker (losses need not be serializable themselves). Serializable.
 *
 * <pre>{@code
 * LossFactory ce = CrossEntropyLoss::new;
 * }</pre>
 */
@FunctionalInterface
public interface LossFactory extends Serializable {
    /** The loss. */
    Loss create();
}

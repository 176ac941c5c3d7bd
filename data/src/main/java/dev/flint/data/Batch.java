package dev.flint.data;

import dev.flint.tensor.Tensor;

/**
 * One mini-batch from a {@link DataLoader}: {@code features} shaped {@code (B, sampleShape...)} FLOAT32
 * and {@code labels} shaped {@code (B)} INT32, on the loader's backend. The caller owns both tensors:
 * close the batch (try-with-resources) or let an enclosing {@link dev.flint.tensor.Scope} close them.
 *
 * <pre>{@code
 * for (Batch batch : loader) {
 *     try (batch) {
 *         Tensor loss = model.forward(batch.features()).crossEntropy(batch.labels());
 *     }
 * }
 * }</pre>
 *
 * @param features FLOAT32, {@code (B, sampleShape...)}
 * @param labels INT32, {@code (B)}
 */
public record Batch(Tensor features, Tensor labels) implements AutoCloseable {

    /** Number of samples B. */
    public int size() {
        return labels.dim(0);
    }

    /** Closes both tensors; harmless when already closed. */
    @Override
    public void close() {
        features.close();
        labels.close();
    }
}

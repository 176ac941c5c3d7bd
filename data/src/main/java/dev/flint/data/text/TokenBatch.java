package dev.flint.data.text;

import dev.flint.tensor.Tensor;

/**
 * A batch of context windows for a language model: {@code inputs} and {@code targets}, both INT32
 * {@code (B, T)}, where {@code targets[b, t]} is the token that follows {@code inputs[b, t]} in the text.
 * The caller owns both tensors: close the batch, or let an enclosing {@link dev.flint.tensor.Scope} do it.
 *
 * <pre>{@code
 * try (TokenBatch b = windows.randomBatch(12, rng, backend)) {
 *     Tensor logits = model.forward(b.inputs());   // (B, T, vocab)
 * }
 * }</pre>
 *
 * @param inputs INT32 {@code (B, T)}
 * @param targets INT32 {@code (B, T)}, the inputs shifted by one token
 */
public record TokenBatch(Tensor inputs, Tensor targets) implements AutoCloseable {

    /** Number of windows B. */
    public int size() {
        return inputs.dim(0);
    }

    /** Tokens per window T. */
    public int context() {
        return inputs.dim(1);
    }

    /** Closes both tensors; harmless when already closed. */
    @Override
    public void close() {
        inputs.close();
        targets.close();
    }
}

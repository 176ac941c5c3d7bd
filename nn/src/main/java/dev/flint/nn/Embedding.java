package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.DType;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * A lookup table of {@code count} vectors of {@code dim}, as PyTorch's {@code nn.Embedding}: INT32 indices of
 * any shape {@code (...)} give {@code (..., dim)}. The weight {@code (count, dim)} starts as N(0, 1); with a
 * padding index, that row starts at zero and gets no gradient. {@link #weight()} is the live parameter, to
 * tie it to an output projection (GPT-2's language-model head).
 *
 * <pre>{@code
 * Embedding tokens = new Embedding(65, 128, new Rng(1));
 * Tensor x = tokens.forward(ids);                       // ids (B, T) int32 -> (B, T, 128)
 * Tensor logits = h.matmul(tokens.weight(), false, true);   // tied head: (B, T, 128) -> (B, T, 65)
 * }</pre>
 */
public class Embedding extends Module {
    private final int count;
    private final int dim;
    private final int paddingIndex;

    /** No padding index, on the default backend. */
    public Embedding(int count, int dim, Rng rng) {
        this(count, dim, -1, rng);
    }

    /** Row {@code paddingIndex} (or -1 for none) zero and frozen, on the default backend. */
    public Embedding(int count, int dim, int paddingIndex, Rng rng) {
        this(count, dim, paddingIndex, rng, Backends.defaultBackend());
    }

    /** With its weight on {@code backend}. */
    public Embedding(int count, int dim, int paddingIndex, Rng rng, Backend backend) {
        if (count < 1 || dim < 1) {
            throw new IllegalArgumentException("Embedding: count and dim must be >= 1, got count=" + count + " dim="
                    + dim);
        }
        if (paddingIndex < -1 || paddingIndex >= count) {
            throw new IllegalArgumentException("Embedding: padding index must be in [0, " + count
                    + ") or -1 for none, got " + paddingIndex);
        }
        this.count = count;
        this.dim = dim;
        this.paddingIndex = paddingIndex;
        float[] w = new float[count * dim];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rng.nextGaussian();
        }
        if (paddingIndex >= 0) {
            java.util.Arrays.fill(w, paddingIndex * dim, (paddingIndex + 1) * dim, 0f);
        }
        registerParameter("weight", Tensor.on(backend).fromFloats(w, Shape.of(count, dim)));
    }

    /** indices (...) int32, each in [0, count) -> (..., dim). */
    @Override
    public Tensor forward(Tensor indices) {
        if (indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("Embedding: indices must be int32, got " + indices.dtype() + " of shape "
                    + indices.shape() + " (use castTo(DType.INT32))");
        }
        return weight().embedding(indices, paddingIndex);
    }

    /** The table (count, dim): the live parameter. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The padding index, or -1. */
    public int paddingIndex() {
        return paddingIndex;
    }

    @Override
    protected String describe() {
        return "Embedding(" + count + ", " + dim + (paddingIndex >= 0 ? ", padding_idx=" + paddingIndex : "") + ")";
    }
}

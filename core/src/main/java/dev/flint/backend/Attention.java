package dev.flint.backend;

import java.util.Objects;

/**
 * The arguments of one fused scaled dot-product attention ({@link Backend#attentionForward},
 * {@link Backend#attentionBackward}): for every batch entry b and head h,
 * <pre>
 *   S = scale * Q K^T + M          Q (queries, headDim), K (keys, headDim), M the additive mask or 0
 *   S[i, j] = -inf where causal and j > i
 *   P = softmax(S) by rows         out = P V, V (keys, valueDim), out (queries, valueDim)
 *   lse[b, h, i] = log(sum_j exp(S[i, j]))
 * </pre>
 * Each matrix is addressed through an {@link Operand}: element {@code (b, h, t, e)} lives at
 * {@code offset + b * batchStride + h * headStride + t * rowStride + e}, so Q, K and V may be the
 * (B, H, T, D) tensors of {@code scaledDotProductAttention} or the heads of one packed (B, T, 3C)
 * projection, read in place. The mask's rows are queries and its elements keys; a stride of 0
 * broadcasts it (a (T, T) mask over batches and heads, a (B, 1, 1, T) padding mask over heads and
 * queries). {@code lse} is contiguous (batch, heads, queries): the forward pass writes it, the backward
 * pass reads it to recompute P without storing it.
 *
 * <pre>{@code
 * // q, k, v, out (B, H, T, D) contiguous; causal self-attention
 * Attention a = Attention.of(B, H, T, T, D, D, (float) (1 / Math.sqrt(D)), true)
 *         .q(Attention.Operand.contiguous(q, H, T, D)).k(Attention.Operand.contiguous(k, H, T, D))
 *         .v(Attention.Operand.contiguous(v, H, T, D)).into(Attention.Operand.contiguous(out, H, T, D), lse);
 * backend.attentionForward(a);
 * }</pre>
 */
public record Attention(int batch, int heads, int queries, int keys, int headDim, int valueDim, float scale,
                        boolean causal, Operand q, Operand k, Operand v, Operand mask, Operand out, Storage lse) {

    /** One strided operand: buffer, offset of element (0, 0, 0, 0), and strides of batch, head and row. */
    public record Operand(Storage data, int offset, int batchStride, int headStride, int rowStride) {
        public Operand {
            Objects.requireNonNull(data, "attention operand storage");
            if (offset < 0 || batchStride < 0 || headStride < 0 || rowStride < 0) {
                throw new IllegalArgumentException("attention: offsets and strides must be >= 0, got offset " + offset
                        + ", strides " + batchStride + ", " + headStride + ", " + rowStride);
            }
        }

        /** A contiguous (batch, heads, rows, width) tensor. */
        public static Operand contiguous(Storage data, int heads, int rows, int width) {
            return new Operand(data, 0, heads * rows * width, rows * width, width);
        }

        /** The index of element (b, h, t, 0). */
        public int at(int b, int h, int t) {
            return offset + b * batchStride + h * headStride + t * rowStride;
        }
    }

    public Attention {
        if (batch < 0 || heads < 0 || queries < 0 || keys < 1 || headDim < 1 || valueDim < 1) {
            throw new IllegalArgumentException("attention: invalid sizes batch=" + batch + " heads=" + heads
                    + " queries=" + queries + " keys=" + keys + " headDim=" + headDim + " valueDim=" + valueDim);
        }
        Objects.requireNonNull(q, "attention q");
        Objects.requireNonNull(k, "attention k");
        Objects.requireNonNull(v, "attention v");
        Objects.requireNonNull(out, "attention out");
        Objects.requireNonNull(lse, "attention lse");
    }

    /** Starts the arguments of an attention over {@code batch * heads} matrices. */
    public static Builder of(int batch, int heads, int queries, int keys, int headDim, int valueDim, float scale,
                             boolean causal) {
        return new Builder(batch, heads, queries, keys, headDim, valueDim, scale, causal);
    }

    /** Whether score (i, j) is masked out by causality: {@code j > i} (top-left aligned, as PyTorch's is_causal). */
    public boolean masked(int i, int j) {
        return causal && j > i;
    }

    /** Builds an {@link Attention}; {@link #into} finishes it. */
    public static final class Builder {
        private final int batch;
        private final int heads;
        private final int queries;
        private final int keys;
        private final int headDim;
        private final int valueDim;
        private final float scale;
        private final boolean causal;
        private Operand q;
        private Operand k;
        private Operand v;
        private Operand mask;

        private Builder(int batch, int heads, int queries, int keys, int headDim, int valueDim, float scale,
                        boolean causal) {
            this.batch = batch;
            this.heads = heads;
            this.queries = queries;
            this.keys = keys;
            this.headDim = headDim;
            this.valueDim = valueDim;
            this.scale = scale;
            this.causal = causal;
        }

        public Builder q(Operand operand) {
            this.q = operand;
            return this;
        }

        public Builder k(Operand operand) {
            this.k = operand;
            return this;
        }

        public Builder v(Operand operand) {
            this.v = operand;
            return this;
        }

        /** The additive mask (default none). */
        public Builder mask(Operand operand) {
            this.mask = operand;
            return this;
        }

        /** The finished arguments: the output and the (batch, heads, queries) log-sum-exp buffer. */
        public Attention into(Operand out, Storage lse) {
            return new Attention(batch, heads, queries, keys, headDim, valueDim, scale, causal, q, k, v, mask, out,
                    lse);
        }
    }
}

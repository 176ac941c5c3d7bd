package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Tensor;

/**
 * Multi-head self-attention in GPT-2's layout (nanoGPT's {@code CausalSelfAttention}): one fused projection
 * {@code qkv} (Linear C -> 3C, weight (3C, C)) gives the queries, keys and values of every head side by
 * side, scaled dot-product attention runs per head, and {@code proj} (Linear C -> C) mixes the heads.
 * Input and output (B, T, C); {@code C} must split into {@code heads} heads.
 *
 * <pre>{@code
 * MultiHeadAttention attn = new MultiHeadAttention(128, 4, true, new Rng(1));
 * Tensor y = attn.forward(x);   // x (12, 64, 128) -> (12, 64, 128), each position sees itself and earlier ones
 * }</pre>
 *
 * <p>Without dropout (or in evaluation mode) the attention is one fused op over the packed projection
 * ({@link Tensor#selfAttention}): no (B, H, T, T) matrix and no transposed copies of the heads. With dropout
 * in training, as nanoGPT, the attention weights are dropped (which needs them: the composed path of
 * matmul, masked softmax and dropout) and so is the projected output. Both Linears initialize as
 * {@link Linear}.
 */
public class MultiHeadAttention extends Module {
    private final int embedDim;
    private final int heads;
    private final boolean causal;
    private final float dropout;
    private final Rng rng;

    /** With biases, no dropout, on the default backend. */
    public MultiHeadAttention(int embedDim, int heads, boolean causal, Rng rng) {
        this(embedDim, heads, causal, 0f, true, rng);
    }

    /** On the default backend. */
    public MultiHeadAttention(int embedDim, int heads, boolean causal, float dropout, boolean bias, Rng rng) {
        this(embedDim, heads, causal, dropout, bias, rng, Backends.defaultBackend());
    }

    /**
     * Everything: {@code dropout} in [0, 1) on the attention weights and the output (training mode only, masks
     * from {@code rng}, which also initializes the weights), {@code bias} on both projections.
     */
    public MultiHeadAttention(int embedDim, int heads, boolean causal, float dropout, boolean bias, Rng rng,
                              Backend backend) {
        if (embedDim < 1 || heads < 1 || embedDim % heads != 0) {
            throw new IllegalArgumentException("MultiHeadAttention: embedDim " + embedDim + " must be a positive"
                    + " multiple of heads " + heads);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("MultiHeadAttention: dropout must be in [0, 1), got " + dropout);
        }
        this.embedDim = embedDim;
        this.heads = heads;
        this.causal = causal;
        this.dropout = dropout;
        this.rng = rng;
        registerModule("qkv", new Linear(embedDim, 3 * embedDim, bias, rng, backend));
        registerModule("proj", new Linear(embedDim, embedDim, bias, rng, backend));
    }

    /** x (B, T, C) -> (B, T, C). */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * x (B, T, C) -> (B, T, C), with an additive mask (a constant broadcastable to (B, heads, T, T), such as a
     * (B, 1, 1, T) padding mask of 0 and -inf; null for none) on top of the causal one, if any.
     */
    public Tensor forward(Tensor x, Tensor additiveMask) {
        if (x.rank() != 3 || x.dim(2) != embedDim) {
            throw new IllegalArgumentException("MultiHeadAttention: input " + x.shape() + " should be (B, T, "
                    + embedDim + ")");
        }
        Linear qkv = (Linear) children().get("qkv");
        Linear proj = (Linear) children().get("proj");
        Tensor packed = x.linear(qkv.weight(), qkv.bias());
        Tensor y;
        if (isTraining() && dropout > 0f) {
            y = attendWithDropout(packed, additiveMask);
        } else {
            y = packed.selfAttention(heads, additiveMask, causal);
        }
        Tensor out = y.linear(proj.weight(), proj.bias());
        return isTraining() && dropout > 0f ? out.dropout(dropout, true, rng) : out;
    }

    /** The composed path: the attention weights exist, to be dropped. */
    private Tensor attendWithDropout(Tensor packed, Tensor mask) {
        int b = packed.dim(0);
        int t = packed.dim(1);
        int d = embedDim / heads;
        // (B, T, 3, H, D) -> (3, B, H, T, D)
        Tensor split = packed.reshape(b, t, 3, heads, d).permute(2, 0, 3, 1, 4);
        Tensor q = split.slice(0, 1).reshape(b, heads, t, d);
        Tensor k = split.slice(1, 2).reshape(b, heads, t, d);
        Tensor v = split.slice(2, 3).reshape(b, heads, t, d);
        Tensor att = q.matmul(k, false, true).mul((float) (1.0 / Math.sqrt(d))).maskedSoftmax(mask, causal)
                .dropout(dropout, true, rng);
        // (B, H, T, D) -> (B, T, H, D) -> (B, T, C)
        return att.matmul(v).permute(0, 2, 1, 3).reshape(b, t, embedDim);
    }

    /** The fused input projection C -> 3C. */
    public Linear qkv() {
        return (Linear) children().get("qkv");
    }

    /** The output projection C -> C. */
    public Linear proj() {
        return (Linear) children().get("proj");
    }

    /** Number of heads. */
    public int heads() {
        return heads;
    }

    @Override
    protected String describe() {
        return "MultiHeadAttention(embed_dim=" + embedDim + ", heads=" + heads + (causal ? ", causal" : "")
                + (dropout > 0f ? ", dropout=" + dropout : "") + ")";
    }
}

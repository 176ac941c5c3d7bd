package dev.flint.nn;

import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * TEST-ONLY STAND-IN for the ops engineer's MultiHeadAttention (issue 11 API contract): qkv and proj
 * Linears, causal attention from existing ops. Delete when the real layer lands.
 */
public class MultiHeadAttention extends Module {
    private final int embedDim;
    private final int heads;
    private final boolean causal;

    public MultiHeadAttention(int embedDim, int heads, boolean causal, Rng rng) {
        this.embedDim = embedDim;
        this.heads = heads;
        this.causal = causal;
        registerModule("qkv", new Linear(embedDim, 3 * embedDim, rng));
        registerModule("proj", new Linear(embedDim, embedDim, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        int b = x.dim(0);
        int t = x.dim(1);
        int c = embedDim;
        int d = c / heads;
        Linear qkv = (Linear) children().get("qkv");
        Linear proj = (Linear) children().get("proj");
        // (B, T, 3C) -> (3, B, H, T, D)
        Tensor all = x.linear(qkv.weight(), qkv.bias()).reshape(b, t, 3, heads, d).permute(2, 0, 3, 1, 4)
                .reshape(3, b * heads, t, d);
        Tensor q = all.slice(0, 1).reshape(b * heads, t, d);
        Tensor k = all.slice(1, 2).reshape(b * heads, t, d);
        Tensor v = all.slice(2, 3).reshape(b * heads, t, d);
        Tensor att = q.matmul(k, false, true).mul((float) (1.0 / Math.sqrt(d)));
        if (causal) {
            float[] mask = new float[t * t];
            for (int i = 0; i < t; i++) {
                for (int j = i + 1; j < t; j++) {
                    mask[i * t + j] = Float.NEGATIVE_INFINITY;
                }
            }
            att = att.add(Tensor.on(x.backend()).fromFloats(mask, Shape.of(t, t)));
        }
        Tensor y = att.softmax(2).matmul(v);                     // (B*H, T, D)
        y = y.reshape(b, heads, t, d).permute(0, 2, 1, 3).reshape(b, t, c);
        return y.linear(proj.weight(), proj.bias());
    }
}

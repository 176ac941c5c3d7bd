package dev.flint.tensor;

import dev.flint.backend.Attention;
import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import java.util.Arrays;

/**
 * Attention: the masked softmax (composed), scaled dot-product attention over (..., T, D) tensors and
 * self-attention over the heads of one packed (B, T, 3C) projection, both one fused primitive forward and
 * one backward. The attention matrix is never stored: the forward pass keeps each row's log-sum-exp
 * (one float) and the backward pass recomputes the probabilities from it.
 */
final class AttentionOps {
    private AttentionOps() {
    }

    /**
     * Softmax over the last dimension of {@code x + mask}, with the scores j > i of the last two dimensions
     * set to -inf when {@code causal}; the mask broadcasts to x and may be null.
     */
    static Tensor maskedSoftmax(Tensor x, Tensor mask, boolean causal) {
        String op = "maskedSoftmax";
        Checks.floats(op, x);
        if (x.rank() < (causal ? 2 : 1)) {
            throw new IllegalArgumentException(op + ": " + (causal ? "a causal mask needs at least 2 dimensions"
                    : "needs at least one dimension") + ", got shape " + x.shape());
        }
        Tensor scores = x;
        if (mask != null) {
            Checks.floats(op, x, mask);
            Shape joint = Shape.broadcast(op, x.shape(), mask.shape());
            if (!joint.equals(x.shape())) {
                throw new IllegalArgumentException(op + ": mask " + mask.shape() + " must broadcast to the input "
                        + x.shape() + ", not widen it to " + joint);
            }
            scores = scores.add(mask);
        }
        if (causal) {
            Tensor c = causalMask(x.backend(), x.shape().dim(-2), x.shape().dim(-1));
            scores = scores.add(c);
        }
        return scores.softmax(-1);
    }

    /** (rows, cols) of 0 where j <= i and -inf above the diagonal. */
    private static Tensor causalMask(Backend be, int rows, int cols) {
        float[] m = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            Arrays.fill(m, i * cols + Math.min(cols, i + 1), (i + 1) * cols, Float.NEGATIVE_INFINITY);
        }
        return Tensor.on(be).fromFloats(m, Shape.of(rows, cols));
    }

    /**
     * {@code softmax(q k^T / sqrt(D) + mask) v} for q (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv) with equal
     * leading dimensions (the last one is taken as heads); the mask broadcasts to (..., Tq, Tk).
     */
    static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        String op = "scaledDotProductAttention";
        Checks.floats(op, q, k, v);
        int r = q.rank();
        if (r < 2 || k.rank() != r || v.rank() != r) {
            throw new IllegalArgumentException(op + ": expected q (..., Tq, D), k (..., Tk, D) and v (..., Tk, Dv) of"
                    + " one rank >= 2, got " + q.shape() + ", " + k.shape() + " and " + v.shape());
        }
        int[] lead = Arrays.copyOf(q.shape().dims(), r - 2);
        if (!Arrays.equals(lead, Arrays.copyOf(k.shape().dims(), r - 2))
                || !Arrays.equals(lead, Arrays.copyOf(v.shape().dims(), r - 2))) {
            throw new IllegalArgumentException(op + ": the leading dimensions of q " + q.shape() + ", k " + k.shape()
                    + " and v " + v.shape() + " must be equal");
        }
        int tq = q.shape().dim(-2);
        int d = q.shape().dim(-1);
        int tk = k.shape().dim(-2);
        int dv = v.shape().dim(-1);
        if (k.shape().dim(-1) != d || v.shape().dim(-2) != tk) {
            throw new IllegalArgumentException(op + ": q " + q.shape() + " and k " + k.shape()
                    + " must agree on D (the last dimension), k and v " + v.shape() + " on Tk (the second last)");
        }
        if (tk == 0 || d == 0 || dv == 0) {
            throw new IllegalArgumentException(op + ": needs at least one key and non-empty heads, got q " + q.shape()
                    + ", k " + k.shape() + ", v " + v.shape());
        }
        int heads = lead.length == 0 ? 1 : lead[lead.length - 1];
        int batch = 1;
        for (int i = 0; i < lead.length - 1; i++) {
            batch *= lead[i];
        }
        int[] outDims = q.shape().dims();
        outDims[r - 1] = dv;
        Backend be = q.backend();
        Tensor out = Tensor.empty(be, Shape.of(outDims), DType.FLOAT32);
        Layout layout = new Layout(batch, heads, tq, tk, d, dv,
                Attention.Operand.contiguous(q.storage(), heads, tq, d),
                Attention.Operand.contiguous(k.storage(), heads, tk, d),
                Attention.Operand.contiguous(v.storage(), heads, tk, dv),
                Attention.Operand.contiguous(out.storage(), heads, tq, dv));
        return attend(op, layout, q, k, v, null, mask, causal, out, lead);
    }

    /**
     * Multi-head self-attention over a packed projection {@code qkv (B, T, 3C)} (GPT-2's {@code c_attn}
     * output: q, k and v side by side, each split into {@code heads} heads of C / heads): returns the heads'
     * outputs side by side, (B, T, C), ready for the output projection. The heads are read and written in
     * place through strides: no (B, H, T, D) copies, forward or backward.
     */
    static Tensor selfAttention(Tensor qkv, int heads, Tensor mask, boolean causal) {
        String op = "selfAttention";
        Checks.floats(op, qkv);
        if (qkv.rank() != 3 || qkv.shape().dim(2) % 3 != 0) {
            throw new IllegalArgumentException(op + ": expected a packed projection (B, T, 3C), got shape "
                    + qkv.shape());
        }
        int batch = qkv.shape().dim(0);
        int t = qkv.shape().dim(1);
        int c = qkv.shape().dim(2) / 3;
        if (heads < 1 || c % heads != 0) {
            throw new IllegalArgumentException(op + ": " + c + " channels (of " + qkv.shape() + ") do not split into "
                    + heads + " heads");
        }
        if (t == 0 || c == 0) {
            throw new IllegalArgumentException(op + ": needs at least one token and one channel, got " + qkv.shape());
        }
        int d = c / heads;
        Backend be = qkv.backend();
        Tensor out = Tensor.empty(be, Shape.of(batch, t, c), DType.FLOAT32);
        int row = 3 * c;
        Layout layout = new Layout(batch, heads, t, t, d, d,
                new Attention.Operand(qkv.storage(), 0, t * row, d, row),
                new Attention.Operand(qkv.storage(), c, t * row, d, row),
                new Attention.Operand(qkv.storage(), 2 * c, t * row, d, row),
                new Attention.Operand(out.storage(), 0, t * c, d, c));
        return attend(op, layout, null, null, null, qkv, mask, causal, out, new int[] {batch, heads});
    }

    /** Sizes and operands of one attention, before the mask and the outputs' buffers. */
    private record Layout(int batch, int heads, int tq, int tk, int d, int dv, Attention.Operand q,
                          Attention.Operand k, Attention.Operand v, Attention.Operand out) {
    }

    /**
     * The forward primitive and the recorded backward. Either q, k, v are three tensors, or {@code packed}
     * holds all three (and q, k, v are null); {@code lead} are the
     * leading dimensions the mask broadcasts over, (batch..., heads).
     */
    private static Tensor attend(String op, Layout l, Tensor q, Tensor k, Tensor v, Tensor packed, Tensor mask,
                                 boolean causal, Tensor out, int[] lead) {
        Backend be = out.backend();
        Tensor maskData = null;
        Attention.Operand maskOperand = null;
        if (mask != null) {
            Checks.floats(op, out, mask);
            if (mask.requiresGrad()) {
                throw new IllegalArgumentException(op + ": the additive mask must not require a gradient (the fused"
                        + " kernel treats it as a constant); for a learned mask use maskedSoftmax and matmul");
            }
            int[] full = Arrays.copyOf(lead, lead.length + 2);
            full[lead.length] = l.tq();
            full[lead.length + 1] = l.tk();
            maskData = broadcastable(op, mask, Shape.of(full));
            maskOperand = maskOperand(maskData, Shape.of(full), l.heads());
        }
        Tensor lse = Tensor.empty(be, Shape.of(l.batch() * l.heads() * l.tq()), DType.FLOAT32);
        Attention a = Attention.of(l.batch(), l.heads(), l.tq(), l.tk(), l.d(), l.dv(),
                (float) (1.0 / Math.sqrt(l.d())), causal).q(l.q()).k(l.k()).v(l.v()).mask(maskOperand)
                .into(l.out(), lse.storage());
        if (out.size() > 0) {
            be.attentionForward(a);
        }
        Tensor[] saved = packed != null
                ? (maskData == null ? Tensor.saves(packed, out) : Tensor.saves(packed, out, maskData))
                : (maskData == null ? Tensor.saves(q, k, v, out) : Tensor.saves(q, k, v, out, maskData));
        // P = exp(S - lse) recomputed; dP = dOut V^T; dS = P (dP - rowsum(dOut out));
        // dQ = scale dS K, dK = scale dS^T Q, dV = P^T dOut
        if (packed != null) {
            return Tensor.record(out, "self_attention", saved, g -> {
                Tensor dqkv = Tensor.empty(be, packed.shape(), DType.FLOAT32);
                Attention.Operand gq = withData(l.q(), dqkv);
                backward(be, a, out, g, gq, withData(l.k(), dqkv), withData(l.v(), dqkv), l);
                return new Tensor[] {dqkv};
            }, packed);
        }
        return Tensor.record(out, "scaled_dot_product_attention", saved, g -> {
            Tensor dq = Tensor.empty(be, q.shape(), DType.FLOAT32);
            Tensor dk = Tensor.empty(be, k.shape(), DType.FLOAT32);
            Tensor dv = Tensor.empty(be, v.shape(), DType.FLOAT32);
            backward(be, a, out, g, withData(l.q(), dq), withData(l.k(), dk), withData(l.v(), dv), l);
            return new Tensor[] {keepIf(q, dq), keepIf(k, dk), keepIf(v, dv)};
        }, q, k, v);
    }

    private static void backward(Backend be, Attention a, Tensor out, Tensor g, Attention.Operand dq,
                                 Attention.Operand dk, Attention.Operand dv, Layout l) {
        if (out.size() == 0) {
            zeroAll(be, dq, dk, dv);
            return;
        }
        be.attentionBackward(a, withData(l.out(), g), dq, dk, dv);
    }

    private static void zeroAll(Backend be, Attention.Operand... operands) {
        for (Attention.Operand o : operands) {
            be.fill(o.data(), 0, o.data().size(), 0f);
        }
    }

    /** The same layout over another buffer (a gradient has its tensor's layout). */
    private static Attention.Operand withData(Attention.Operand o, Tensor t) {
        return new Attention.Operand(t.storage(), o.offset(), o.batchStride(), o.headStride(), o.rowStride());
    }

    private static Tensor keepIf(Tensor input, Tensor grad) {
        if (input.requiresGrad()) {
            return grad;
        }
        grad.close();
        return null;
    }

    /** The mask, checked to broadcast to {@code full}; materialized when its key axis is broadcast. */
    private static Tensor broadcastable(String op, Tensor mask, Shape full) {
        Shape joint;
        try {
            joint = Shape.broadcast(op, full, mask.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": mask " + mask.shape() + " does not broadcast to the scores "
                    + full, e);
        }
        if (!joint.equals(full)) {
            throw new IllegalArgumentException(op + ": mask " + mask.shape() + " must broadcast to the scores " + full
                    + ", not widen them to " + joint);
        }
        if (mask.shape().dim(-1) != full.dim(-1) || !evenlySpaced(mask.shape().broadcastStrides(full), full)) {
            // The kernels read a mask row as contiguous keys and its matrices evenly spaced over the batch:
            // anything else (a broadcast key axis, a partial broadcast over several batch axes) is expanded.
            return ReduceOps.expand(mask, full);
        }
        return mask;
    }

    /** Whether the batch axes (all but the last three) of these strides form one arithmetic progression. */
    private static boolean evenlySpaced(int[] strides, Shape full) {
        int r = full.rank();
        int step = -1;
        int count = 1;
        for (int i = r - 4; i >= 0; i--) {
            if (full.dim(i) == 1) {
                continue;
            }
            if (step < 0) {
                step = strides[i];
                count = full.dim(i);
            } else if (strides[i] != step * count) {
                return false;
            } else {
                count *= full.dim(i);
            }
        }
        return true;
    }

    private static Attention.Operand maskOperand(Tensor mask, Shape full, int heads) {
        int[] s = mask.shape().broadcastStrides(full);
        int r = full.rank();
        int rowStride = s[r - 2];
        int headStride = r >= 3 ? s[r - 3] : 0;
        int batchStride = 0;
        for (int i = r - 4; i >= 0; i--) {
            if (full.dim(i) != 1) {
                // evenly spaced: the innermost batch axis's stride is the flattened batch's
                batchStride = s[i];
                break;
            }
        }
        return new Attention.Operand(mask.storage(), 0, batchStride, headStride, rowStride);
    }
}

package dev.flint.optim;

import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Parameters that share optimizer settings, as PyTorch's {@code param_groups}: a weight decay of
 * their own (or the optimizer's) and a learning-rate multiplier. The multiplier, not an absolute rate,
 * is what a group keeps, so a learning-rate schedule that sets the optimizer's rate moves every group
 * together, as PyTorch's schedules scale each group's initial rate.
 *
 * <pre>{@code
 * // nanoGPT's configure_optimizers: decay the matrices, not the biases and norm weights.
 * List<ParamGroup> groups = ParamGroup.decayMatricesOnly(model.parameters(), 0.1f);
 * AdamW opt = new AdamW(groups, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.1f);
 * }</pre>
 *
 * <p>Immutable: {@link #weightDecay(float)} and {@link #lrScale(float)} return new groups.
 */
public final class ParamGroup {
    private final List<Tensor> params;
    private final Float weightDecay;   // null: the optimizer's
    private final float lrScale;

    private ParamGroup(List<Tensor> params, Float weightDecay, float lrScale) {
        this.params = params;
        this.weightDecay = weightDecay;
        this.lrScale = lrScale;
    }

    /** A group of {@code params} with the optimizer's weight decay and learning rate. */
    public static ParamGroup of(Collection<Tensor> params) {
        Objects.requireNonNull(params, "params");
        return new ParamGroup(List.copyOf(params), null, 1f);
    }

    /** This group with weight decay {@code value} (>= 0) instead of the optimizer's. */
    public ParamGroup weightDecay(float value) {
        if (!(value >= 0f) || Float.isInfinite(value)) {
            throw new IllegalArgumentException("ParamGroup: weight decay must be finite and >= 0, got " + value);
        }
        return new ParamGroup(params, value, lrScale);
    }

    /** This group with a learning rate of {@code scale} times the optimizer's (>= 0; default 1). */
    public ParamGroup lrScale(float scale) {
        if (!(scale >= 0f) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("ParamGroup: lrScale must be finite and >= 0, got " + scale);
        }
        return new ParamGroup(params, weightDecay, scale);
    }

    /**
     * nanoGPT's rule ({@code GPT.configure_optimizers}): tensors of rank 2 or more (the weights of
     * linear layers and embeddings) decay by {@code weightDecay}; the others (biases, the weights and
     * biases of normalization layers, any 1-D tensor) do not. Returns the decaying group first, then the
     * other; a group with no tensor is left out. Give each tensor once (as {@code Module.parameters()} does
     * for a tied weight).
     */
    public static List<ParamGroup> decayMatricesOnly(Collection<Tensor> params, float weightDecay) {
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Tensor p : params) {
            (p.rank() >= 2 ? decay : noDecay).add(p);
        }
        List<ParamGroup> groups = new ArrayList<>(2);
        if (!decay.isEmpty()) {
            groups.add(of(decay).weightDecay(weightDecay));
        }
        if (!noDecay.isEmpty()) {
            groups.add(of(noDecay).weightDecay(0f));
        }
        return groups;
    }

    /** The group's parameters (unmodifiable). */
    public List<Tensor> params() {
        return params;
    }

    /** Whether the group sets its own weight decay. */
    public boolean hasWeightDecay() {
        return weightDecay != null;
    }

    /** The group's weight decay, or {@code optimizerDefault} when it sets none. */
    public float weightDecayOr(float optimizerDefault) {
        return weightDecay == null ? optimizerDefault : weightDecay;
    }

    /** The multiple of the optimizer's learning rate this group uses. */
    public float lrScale() {
        return lrScale;
    }

    /** Number of scalars in the group. */
    public long numel() {
        long n = 0;
        for (Tensor p : params) {
            n += p.size();
        }
        return n;
    }

    @Override
    public String toString() {
        return "ParamGroup(" + params.size() + " tensors, " + numel() + " values"
                + (weightDecay == null ? "" : ", weightDecay=" + weightDecay)
                + (lrScale == 1f ? "" : ", lrScale=" + lrScale) + ")";
    }
}

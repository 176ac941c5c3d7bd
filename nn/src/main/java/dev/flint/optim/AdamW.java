package dev.flint.optim;

import dev.flint.tensor.Tensor;
import java.util.Collection;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter, 2019) with PyTorch's rule ({@code torch.optim.AdamW}): Adam whose weight
 * decay is decoupled from the gradient, applied to the parameter before the moment update:
 * <pre>
 *   p *= 1 - lr * weightDecay
 *   m = beta1 * m + (1 - beta1) * grad;  v = beta2 * v + (1 - beta2) * grad^2
 *   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * <pre>{@code
 * AdamW opt = new AdamW(model.parameters(), 1e-3f);   // weight decay 0.01, PyTorch's default
 * AdamW gpt = new AdamW(ParamGroup.decayMatricesOnly(model.parameters(), 0.1f), 1e-3f, 0.9f, 0.99f, 1e-8f, 0.1f);
 * }</pre>
 */
public final class AdamW extends Adam {

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(Collection<Tensor> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 0.01f);
    }

    /** AdamW with every option. */
    public AdamW(Collection<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    /**
     * AdamW over parameter groups, each decaying by its own weight decay ({@code weightDecay} for groups
     * that set none) at its own learning rate; nanoGPT's setup is
     * {@code new AdamW(ParamGroup.decayMatricesOnly(model.parameters(), 0.1f), lr, 0.9f, 0.99f, 1e-8f, 0.1f)}.
     */
    public AdamW(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super(groups, lr, beta1, beta2, eps, weightDecay, true);
    }
}

package dev.flint.optim;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Storage;
import dev.flint.tensor.Tensor;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) with PyTorch's rule ({@code torch.optim.Adam}), run by the backend's fused
 * {@code adamUpdate}; {@code t} counts each parameter's steps from 1:
 * <pre>
 *   g = grad + weightDecay * p                  (an L2 term: it passes through the moments)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * For decay that does not pass through the moments, use {@link AdamW}.
 *
 * <pre>{@code
 * Adam adam = new Adam(model.parameters(), 1e-3f);   // betas (0.9, 0.999), eps 1e-8
 * }</pre>
 */
public class Adam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final Map<Tensor, int[]> steps = new IdentityHashMap<>();

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(Collection<Tensor> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 0f);
    }

    /** Adam with every option; {@code weightDecay} is added to the gradient (L2). */
    public Adam(Collection<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /**
     * Adam over parameter groups; {@code weightDecay} applies to groups that set none (L2, as above).
     *
     * <pre>{@code
     * new Adam(List.of(ParamGroup.of(encoder.parameters()).lrScale(0.1f), ParamGroup.of(head.parameters())),
     *         1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
     * }</pre>
     */
    public Adam(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay) {
        this(groups, lr, beta1, beta2, eps, weightDecay, false);
    }

    Adam(Collection<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay,
         boolean decoupled) {
        this(List.of(ParamGroup.of(params)), lr, beta1, beta2, eps, weightDecay, decoupled);
    }

    Adam(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay,
         boolean decoupled) {
        super(groups, lr);
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
            throw new IllegalArgumentException(name() + ": betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0f) || !(weightDecay >= 0f)) {
            throw new IllegalArgumentException(name() + ": eps and weight decay must be >= 0, got eps=" + eps
                    + " weightDecay=" + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    protected final int stateCount() {
        return 2;
    }

    @Override
    protected final List<String> bufferNames() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    protected final List<String> counterNames() {
        // The step count sets the bias corrections 1 - beta^t: a resumed run needs it to take the same steps.
        return List.of("step");
    }

    @Override
    protected final int counter(Tensor param, String name) {
        int[] t = steps.get(param);
        return t == null ? 0 : t[0];
    }

    @Override
    protected final void setCounter(Tensor param, String name, int value) {
        steps.computeIfAbsent(param, k -> new int[1])[0] = value;
    }

    @Override
    protected final void clearCounters(Tensor param) {
        steps.remove(param);
    }

    @Override
    protected final void update(Tensor param, Tensor grad, Storage[] state, boolean firstStep) {
        int[] t = steps.computeIfAbsent(param, k -> new int[1]);
        t[0]++;
        float decay = group(param).weightDecayOr(weightDecay);
        AdamParams p = new AdamParams(lr(param), beta1, beta2, eps, decay, decoupled, t[0]);
        param.backend().adamUpdate(param.mutableStorage(), grad.storage(), state[0], state[1], param.size(), p);
    }

    @Override
    public void close() {
        super.close();
        steps.clear();
    }

    private String name() {
        return getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return name() + "(lr=" + lr() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weightDecay="
                + weightDecay + ")";
    }
}

package dev.flint.optim;

import dev.flint.backend.SgdParams;
import dev.flint.backend.Storage;
import dev.flint.tensor.Tensor;
import java.util.Collection;
import java.util.List;

/**
 * Stochastic gradient descent with PyTorch's rule ({@code torch.optim.SGD}), run by the backend's
 * fused {@code sgdUpdate}:
 * <pre>
 *   g = grad + weightDecay * p
 *   if momentum != 0:
 *       v = (first step) ? g : momentum * v + (1 - dampening) * g
 *       g = nesterov ? g + momentum * v : v
 *   p -= lr * g
 * </pre>
 *
 * <pre>{@code
 * SGD plain = new SGD(model.parameters(), 0.1f);
 * SGD heavyBall = new SGD(model.parameters(), 0.01f, 0.9f, 0f, 5e-4f, true);   // Nesterov, weight decay
 * }</pre>
 */
public final class SGD extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;

    /** Plain SGD: no momentum, no weight decay. */
    public SGD(Collection<Tensor> params, float lr) {
        this(params, lr, 0f, 0f, 0f, false);
    }

    /**
     * SGD with every option.
     *
     * @throws IllegalArgumentException for negative values, or Nesterov without momentum or with
     *     dampening (PyTorch rejects both)
     */
    public SGD(Collection<Tensor> params, float lr, float momentum, float dampening, float weightDecay,
               boolean nesterov) {
        super(params, lr);
        if (!(momentum >= 0f) || !(dampening >= 0f) || !(weightDecay >= 0f)) {
            throw new IllegalArgumentException("SGD: momentum, dampening and weight decay must be >= 0, got momentum="
                    + momentum + " dampening=" + dampening + " weightDecay=" + weightDecay);
        }
        if (nesterov && (momentum == 0f || dampening != 0f)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum="
                    + momentum + " dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected int stateCount() {
        // The velocity exists only with momentum, as in PyTorch's momentum_buffer.
        return momentum == 0f ? 0 : 1;
    }

    @Override
    protected List<String> bufferNames() {
        return momentum == 0f ? List.of() : List.of("momentum_buffer");
    }

    @Override
    protected void update(Tensor param, Tensor grad, Storage[] state, boolean firstStep) {
        SgdParams p = new SgdParams(lr(param), momentum, dampening, group(param).weightDecayOr(weightDecay), nesterov,
                firstStep);
        param.backend().sgdUpdate(param.mutableStorage(), grad.storage(), state.length == 0 ? null : state[0], param.size(), p);
    }

    /** The momentum factor (0: none). */
    public float momentum() {
        return momentum;
    }

    /** The L2 weight decay added to the gradient. */
    public float weightDecay() {
        return weightDecay;
    }

    @Override
    public String toString() {
        return "SGD(lr=" + lr() + ", momentum=" + momentum + ", dampening=" + dampening + ", weightDecay="
                + weightDecay + ", nesterov=" + nesterov + ")";
    }
}

package dev.flint.optim;

import dev.flint.autograd.GradMode;
import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.Collection;

/**
 * Gradient clipping by global norm, the usual remedy for exploding gradients (PyTorch's
 * {@code clip_grad_norm_}): when the L2 norm of all gradients together exceeds {@code maxNorm}, every
 * gradient is scaled by {@code maxNorm / (norm + 1e-6)}, which keeps their direction.
 *
 * <pre>{@code
 * loss.backward();
 * try (Tensor norm = GradClip.clipGradNorm(model.parameters(), 1f)) {   // norm before clipping
 *     optimizer.step();
 * }
 * }</pre>
 *
 * <p>Everything happens on the parameters' backend: the norm and the scale factor are computed there
 * and never read back, so clipping does not make a training step wait for the device. Read the norm
 * with {@code item()} only when you need it (that call waits).
 */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales the gradients of {@code params} in place so that their global L2 norm is at most
     * {@code maxNorm}; parameters without a gradient are skipped.
     *
     * <p>As in PyTorch, the gradients are always multiplied by {@code min(1, maxNorm / (norm + 1e-6))}:
     * deciding on the host whether to clip would need the norm there, a device round trip per step.
     * The factor is exactly 1 when the norm is small enough, so those gradients do not change.
     *
     * @return the global norm before clipping, a scalar tensor on the parameters' backend that the
     *     caller owns (close it, or let a {@link Scope} do it); 0 when no parameter has a gradient
     */
    public static Tensor clipGradNorm(Collection<Tensor> params, float maxNorm) {
        if (!(maxNorm > 0f) || Float.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be a finite number > 0, got " + maxNorm);
        }
        try (GradMode.Guard noGrad = GradMode.noGrad(); Scope scope = Scope.open()) {
            Tensor sumSquares = null;
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    Tensor s = g.square().sum();
                    sumSquares = sumSquares == null ? s : sumSquares.add(s);
                }
            }
            if (sumSquares == null) {
                Backend backend = params.isEmpty() ? Backends.defaultBackend() : params.iterator().next().backend();
                return scope.keep(Tensor.on(backend).scalar(0f));
            }
            Tensor norm = sumSquares.sqrt();
            // coef = min(1, maxNorm / (norm + 1e-6)); clamp's lower bound is never reached (coef > 0).
            Tensor coef = Tensor.on(norm.backend()).scalar(maxNorm).div(norm.add(1e-6f)).clamp(0f, 1f);
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    g.copyFrom(g.mul(coef));
                }
            }
            return scope.keep(norm);
        }
    }
}

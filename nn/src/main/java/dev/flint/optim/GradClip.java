package dev.flint.optim;

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
 * float norm = GradClip.clipGradNorm(model.parameters(), 1f);   // norm before clipping
 * optimizer.step();
 * }</pre>
 */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales the gradients of {@code params} in place so that their global L2 norm is at most
     * {@code maxNorm}; parameters without a gradient are skipped.
     *
     * @return the global norm before clipping (0 when no parameter has a gradient)
     */
    public static float clipGradNorm(Collection<Tensor> params, float maxNorm) {
        if (!(maxNorm > 0f)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be > 0, got " + maxNorm);
        }
        try (Scope scope = Scope.open()) {
            double sumSquares = 0;
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    sumSquares += g.square().sum().item();
                }
            }
            double norm = Math.sqrt(sumSquares);
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1.0) {
                for (Tensor p : params) {
                    Tensor g = p.grad();
                    if (g != null) {
                        g.copyFrom(g.mul((float) coef));
                    }
                }
            }
            return (float) norm;
        }
    }
}

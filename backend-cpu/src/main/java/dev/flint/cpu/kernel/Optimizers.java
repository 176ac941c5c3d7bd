package dev.flint.cpu.kernel;

import dev.flint.backend.AdamParams;
import dev.flint.backend.SgdParams;
import dev.flint.cpu.parallel.Parallel;

/**
 * Fused optimizer steps, one pass over the parameters, with PyTorch's update rules exactly as
 * {@link SgdParams} and {@link AdamParams} write them.
 *
 * <pre>{@code
 * Optimizers.sgd(param, grad, velocity, n, new SgdParams(0.1f, 0.9f, 0f, 0f, false, step == 1));
 * }</pre>
 */
public final class Optimizers {
    private Optimizers() {
    }

    /** One SGD step in place; {@code velocity} may be null when the momentum is 0. */
    public static void sgd(float[] param, float[] grad, float[] velocity, int n, SgdParams p) {
        float lr = p.lr();
        float wd = p.weightDecay();
        float mu = p.momentum();
        float keep = 1f - p.dampening();
        boolean first = p.firstStep();
        boolean nesterov = p.nesterov();
        Parallel.forRange(0, n, Elementwise.GRAIN, (from, to) -> {
            if (mu == 0f) {
                for (int i = from; i < to; i++) {
                    param[i] -= lr * (grad[i] + wd * param[i]);
                }
                return;
            }
            // One plain loop per case: with the two loop-invariant branches inside, C2 kept the loop
            // scalar. The arithmetic per element is the same in every case.
            if (first && !nesterov) {
                for (int i = from; i < to; i++) {
                    float g = grad[i] + wd * param[i];
                    velocity[i] = g;
                    param[i] -= lr * g;
                }
            } else if (!nesterov) {
                for (int i = from; i < to; i++) {
                    float g = grad[i] + wd * param[i];
                    float v = mu * velocity[i] + keep * g;
                    velocity[i] = v;
                    param[i] -= lr * v;
                }
            } else {
                for (int i = from; i < to; i++) {
                    float g = grad[i] + wd * param[i];
                    float v = first ? g : mu * velocity[i] + keep * g;
                    velocity[i] = v;
                    param[i] -= lr * (g + mu * v);
                }
            }
        });
    }

    /** One Adam (or AdamW when {@code p.decoupled()}) step; {@code m} and {@code v} are updated in place. */
    public static void adam(float[] param, float[] grad, float[] m, float[] v, int n, AdamParams p) {
        float lr = p.lr();
        float b1 = p.beta1();
        float b2 = p.beta2();
        float eps = p.eps();
        float wd = p.weightDecay();
        boolean decoupled = p.decoupled();
        // The bias corrections are per step, not per element: compute them once, in double.
        float correction1 = (float) (1.0 - Math.pow(b1, p.step()));
        float correction2 = (float) (1.0 - Math.pow(b2, p.step()));
        float decay = 1f - lr * wd;
        Parallel.forRange(0, n, Elementwise.GRAIN_HEAVY, (from, to) -> {
            for (int i = from; i < to; i++) {
                float w = param[i];
                float g = grad[i];
                if (decoupled) {
                    w *= decay;
                } else {
                    g += wd * w;
                }
                float mi = b1 * m[i] + (1f - b1) * g;
                float vi = b2 * v[i] + (1f - b2) * g * g;
                m[i] = mi;
                v[i] = vi;
                float mHat = mi / correction1;
                float vHat = vi / correction2;
                param[i] = w - lr * mHat / ((float) Math.sqrt(vHat) + eps);
            }
        });
    }
}

package dev.flint.backend;

/**
 * One Adam or AdamW step with PyTorch's update rule ({@code torch.optim.Adam}/{@code AdamW}), where
 * {@code step} counts from 1:
 * <pre>
 *   if decoupled: param *= 1 - lr * weightDecay        (AdamW)
 *   else:         g = grad + weightDecay * param       (Adam's L2 term)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   mHat = m / (1 - beta1^step);  vHat = v / (1 - beta2^step)
 *   param -= lr * mHat / (sqrt(vHat) + eps)
 * </pre>
 */
public record AdamParams(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                         int step) {
}

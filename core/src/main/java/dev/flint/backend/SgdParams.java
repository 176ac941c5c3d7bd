package dev.flint.backend;

/**
 * One SGD step with PyTorch's update rule ({@code torch.optim.SGD}):
 * <pre>
 *   g = grad + weightDecay * param
 *   if momentum != 0:
 *       v = firstStep ? g : momentum * v + (1 - dampening) * g
 *       g = nesterov ? g + momentum * v : v
 *   param -= lr * g
 * </pre>
 */
public record SgdParams(float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                        boolean firstStep) {
}

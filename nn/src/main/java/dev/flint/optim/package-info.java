/**
 * Optimizers with PyTorch's update rules, so the same hyper-parameters give the same trajectory:
 * {@link dev.flint.optim.SGD} (momentum, dampening, Nesterov, weight decay), {@link dev.flint.optim.Adam}
 * and {@link dev.flint.optim.AdamW}. Each step runs the backend's fused update primitive
 * ({@code sgdUpdate}, {@code adamUpdate}) once per parameter, on whichever backend holds it. Also
 * gradient clipping by global norm ({@link dev.flint.optim.GradClip}), learning-rate schedules
 * ({@link dev.flint.optim.StepLR}, {@link dev.flint.optim.CosineAnnealingLR}, nanoGPT's warm-up and cosine
 * decay {@link dev.flint.optim.WarmupCosineLR}) and parameter groups with their own weight decay and
 * learning-rate multiple ({@link dev.flint.optim.ParamGroup}, with nanoGPT's rule of decaying matrices only).
 *
 * <p>Optimizer state (velocities, moments) is raw backend storage owned by the optimizer, not tensors,
 * so a {@link dev.flint.tensor.Scope} around a training step never frees it; {@code close()} does.
 */
package dev.flint.optim;

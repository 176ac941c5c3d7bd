/**
 * The tensor front end: {@link dev.flint.tensor.Tensor}, {@link dev.flint.tensor.Shape}, the
 * {@link dev.flint.tensor.TensorFactory} bound to a backend, the seeded {@link dev.flint.tensor.Rng}
 * and memory {@link dev.flint.tensor.Scope}s. Each differentiable op lives in one of the
 * package-private {@code *Ops} classes with its forward and backward side by side, and records itself
 * in the graph of {@code dev.flint.autograd}; the gradient arithmetic the engine needs is
 * {@code TensorGradients}, which holds the one place where broadcast gradients are reduced.
 */
package dev.flint.tensor;

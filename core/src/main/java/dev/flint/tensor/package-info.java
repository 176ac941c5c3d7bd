/**
 * The tensor front end: {@link dev.flint.tensor.Tensor}, {@link dev.flint.tensor.Shape},
 * {@link dev.flint.backend.DType}, the seeded {@link dev.flint.tensor.Rng} and memory
 * {@link dev.flint.tensor.Scope}s. Each differentiable op lives in one of the package-private
 * {@code *Ops} classes with its forward and backward side by side.
 */
package dev.flint.tensor;

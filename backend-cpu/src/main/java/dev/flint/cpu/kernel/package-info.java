/**
 * The CPU backend's kernels as static methods on plain arrays, one class per family (elementwise,
 * reductions, activations, softmax, indexing, layout, convolution, pooling, optimizers), plus four
 * helpers: {@code FloatMath} (float exp and tanh within 1-2 ulp, and array loops of exp),
 * {@code VectorExp} (those loops on the Vector API, loaded only when {@code jdk.incubator.vector} is
 * present), {@code FloatOrder} (branch-free comparisons) and {@code Scratch} (per-thread buffers
 * reused across calls). Each kernel splits its work
 * over independent outputs through {@link dev.flint.cpu.parallel.Parallel}, so results do not depend on
 * the thread count, and loops are written one per op so the JIT can vectorize them.
 */
package dev.flint.cpu.kernel;

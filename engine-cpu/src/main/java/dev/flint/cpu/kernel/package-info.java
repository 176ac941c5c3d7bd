/**
 * The CPU backend's kernels as static methods on plain arrays, one class per family (elementwise,
 * reductions, activations, softmax, indexing, layout, convolution, pooling, optimizers), plus three
 * helpers: {@code FloatMath} (float exp and tanh within 1-2 ulp), {@code FloatOrder} (branch-free
 * comparisons) and {@code Scratch} (per-thread buffers reused across calls). Each kernel splits its work
 * over independent outputs through {@link dev.flint.cpu.parallel.Parallel}, so results do not depend on
 * the thread count, and loops are written one per op so the JIT can vectorize them.
 */
package dev.flint.cpu.kernel;

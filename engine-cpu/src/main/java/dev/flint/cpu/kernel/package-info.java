/**
 * The CPU backend's kernels as static methods on plain arrays, one class per family (elementwise,
 * reductions, activations, softmax, indexing, layout, convolution, pooling, optimizers). Each splits
 * its work over independent outputs through {@link dev.flint.cpu.parallel.Parallel}, so results do not
 * depend on the thread count, and loops are written one per op so the JIT can vectorize them.
 */
package dev.flint.cpu.kernel;

/**
 * The computational graph: {@link dev.flint.autograd.Node}s recorded by ops, no-grad scopes
 * ({@link dev.flint.autograd.GradMode}), inspection and DOT export ({@link dev.flint.autograd.Graph}),
 * and the public finite-difference gradient checker ({@link dev.flint.autograd.GradCheck}).
 */
package dev.flint.autograd;

/**
 * The computational graph, independent of what flows through it: {@link dev.flint.autograd.Node}s
 * recorded by ops (with the versions of what their backward reads), the reverse-mode
 * {@link dev.flint.autograd.BackwardEngine}, no-grad scopes ({@link dev.flint.autograd.GradMode}),
 * inspection and DOT export ({@link dev.flint.autograd.Graph}). Values take part through
 * {@link dev.flint.autograd.Differentiable} and lend their arithmetic through
 * {@link dev.flint.autograd.GradientMath}: {@code dev.flint.tensor} sits above this package, never below.
 */
package dev.flint.autograd;

/**
 * Gradient checks for tensors, public so that users can check their own ops and layers:
 * {@link dev.flint.gradcheck.GradCheck} compares analytic gradients with central finite differences,
 * {@link dev.flint.gradcheck.BackendDiff} runs one graph on two backends and names the first node where
 * they diverge. Above {@code dev.flint.tensor}.
 */
package dev.flint.gradcheck;

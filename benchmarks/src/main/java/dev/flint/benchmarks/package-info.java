/**
 * JMH benchmarks of Flint's backends: GEMM, softmax, ReLU and conv2d on the backend SPI, and MLP and
 * CNN training steps on the tensor front end. Every benchmark is parameterised by {@code backend}
 * ({@code cpu}, {@code cuda}); {@link dev.flint.benchmarks.UsableBackends} tells the run script which
 * of them can run on this machine. Inputs are allocated once per trial, outputs are reused, and each
 * invocation ends with {@code Backend.synchronize()} so asynchronous backends are timed for real.
 *
 * <p>Run {@code benchmarks/scripts/run.sh quick}; see {@code benchmarks/README.md}.
 */
package dev.flint.benchmarks;

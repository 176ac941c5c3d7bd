/**
 * The CPU backend: {@link dev.flint.cpu.CpuBackend} implements the backend SPI on Java arrays,
 * {@link dev.flint.cpu.CpuStorage} holds them, and {@link dev.flint.cpu.CpuBackendProvider} makes the
 * backend findable as {@code "cpu"}. Kernels are in {@code dev.flint.cpu.kernel}, the GEMM in
 * {@code dev.flint.cpu.gemm} and the one thread pool in {@code dev.flint.cpu.parallel}.
 */
package dev.flint.cpu;

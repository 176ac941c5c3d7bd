/**
 * Single-precision matrix multiply for the CPU backend: {@link dev.flint.cpu.gemm.Sgemm} is the one
 * entry point. Behind it sit a plain-Java kernel that C2 auto-vectorizes (always available) and a
 * Vector API kernel that is used only when {@code jdk.incubator.vector} is in the boot layer
 * ({@link dev.flint.cpu.gemm.VectorSupport} decides once per JVM). Both kernels pack panels of A
 * and B into per-thread buffers and split C into output blocks only, so results do not depend on
 * the thread count.
 */
package dev.flint.cpu.gemm;

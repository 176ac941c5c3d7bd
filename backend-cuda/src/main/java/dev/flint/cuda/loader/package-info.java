/**
 * Loading the native pieces: JCublas2's JNI library, retargeted from {@code libcublas.so.12} to
 * {@code libcublas.so.13} on machines that only have CUDA 13's cuBLAS ({@link ElfRetarget} patches
 * the ELF file, {@link CublasLibrary} decides and loads).
 */
package dev.flint.cuda.loader;

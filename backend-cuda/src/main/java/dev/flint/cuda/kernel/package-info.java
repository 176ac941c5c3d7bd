/**
 * Our CUDA kernels on the Java side: the op codes shared with {@code src/main/cuda/common.cuh}, the
 * manifest of the committed kernel build, and loading the modules for the device's architecture
 * (a cubin when one was built for it, else the PTX).
 */
package dev.flint.cuda.kernel;

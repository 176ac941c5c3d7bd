/**
 * A thin layer over the CUDA driver API and cuBLAS (today JCuda and JCublas2): context and stream,
 * device buffers, module loading, kernel launches, asynchronous copies on the stream, a cuBLAS handle
 * bound to the stream, and events. Nothing outside this package imports {@code jcuda.*} for compute,
 * so another binding (the FFM API, JavaCPP) could replace it by rewriting this package alone.
 *
 * <p>Every call is checked: a failure becomes a {@link dev.flint.cuda.driver.CudaException} naming
 * the call and the CUDA error, for example
 * {@code cuMemAlloc(1073741824 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)}.
 */
package dev.flint.cuda.driver;

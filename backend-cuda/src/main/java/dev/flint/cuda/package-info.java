/**
 * The CUDA backend: {@link dev.flint.cuda.CudaBackend} implements every primitive of the backend SPI
 * on an NVIDIA GPU (our kernels from {@code src/main/cuda}, cuBLAS for GEMM), and
 * {@link dev.flint.cuda.CudaBackendProvider} lets {@code Backends} find it and say precisely why it
 * cannot run on a machine (no driver, no device, compute capability too low, no cuBLAS).
 *
 * <p>System properties: {@code flint.cuda.sync=true} synchronizes and checks after every primitive
 * so that an asynchronous kernel error names the primitive that caused it; {@code flint.cuda.tf32=true}
 * lets cuBLAS use TF32 tensor cores (off by default: exact FP32, comparable with the CPU);
 * {@code flint.cuda.device=N} picks a device other than 0.
 */
package dev.flint.cuda;

// Host compilation of Flint's CUDA kernels for the CPU emulator that the tests use where there is no GPU
// (EmulatedCudaTest). Included before each .cu file by g++ (-include): it maps CUDA's qualifiers and
// built-ins onto the cooperative thread scheduler in emu_driver.cpp. Every CUDA thread of a block is a
// coroutine; __syncthreads() and warp shuffles are real barriers, so the kernels' reductions run as
// written. Blocks run one after another, which is why __shared__ can be a plain static.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <algorithm>

#define __global__
#define __device__ static
#define __forceinline__ inline
#define __shared__ static

struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
};
struct alignas(16) float4 {
    float x, y, z, w;
};

extern "C" {
extern uint3 emu_threadIdx;
extern uint3 emu_blockIdx;
extern dim3 emu_blockDim;
extern dim3 emu_gridDim;
void emu_syncthreads(void);
void emu_trap(void);
unsigned int emu_shfl_xor_bits(unsigned int bits, int laneMask);
}

#define threadIdx emu_threadIdx
#define blockIdx emu_blockIdx
#define blockDim emu_blockDim
#define gridDim emu_gridDim

// A trap ends the kernel on a GPU and fails the launch; here the thread returns with garbage and the
// launch reports CUDA_ERROR_LAUNCH_FAILED (sticky, as on a GPU, where the context is lost).
static inline void __trap() {
    emu_trap();
}

static inline void __syncthreads() {
    emu_syncthreads();
}

static inline float __shfl_xor_sync(unsigned int, float v, int laneMask) {
    unsigned int bits;
    std::memcpy(&bits, &v, 4);
    bits = emu_shfl_xor_bits(bits, laneMask);
    float r;
    std::memcpy(&r, &bits, 4);
    return r;
}

static inline int __shfl_xor_sync(unsigned int, int v, int laneMask) {
    return (int) emu_shfl_xor_bits((unsigned int) v, laneMask);
}

static inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}

// One OS thread runs every coroutine, so a plain read-modify-write is atomic.
static inline float atomicAdd(float *address, float value) {
    float old = *address;
    *address = old + value;
    return old;
}

using std::isinf;
using std::max;
using std::min;

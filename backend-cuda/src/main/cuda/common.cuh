// Shared helpers for Flint's CUDA kernels: the op codes (generated from the Java enums into
// op_codes.cuh), the by-value parameter structs (mirrored by the Java launchers, which
// pass them as int arrays), warp reductions and the grid-stride loop.
//
// Conventions: sizes and offsets count elements; every tensor is contiguous row-major; float math
// is IEEE (no fast math) so that results stay comparable with the CPU backend; NaN propagates
// through max/min the way Java's Math.max/Math.min do.
#pragma once

#define FLINT_MAX_RANK 8
#define FLINT_WARP 32

// ---------------------------------------------------------------- op codes
// Generated from the Java enums (dev.flint.cuda.kernel.OpCodes); a switch on them ends in
// FLINT_UNKNOWN_OP, which stops the kernel: a code without its case is an error, never a value.
#include "op_codes.cuh"

#define FLINT_UNKNOWN_OP() __trap()

// ---------------------------------------------------------------- by-value parameter structs
// All members are int so that Java can pass each struct as one int[] of the same layout.

// out (dims) = op(a, b); a and b are read through their own strides (0 broadcasts an axis).
struct BroadcastDims {
    int rank;
    int dims[FLINT_MAX_RANK];
    int aStrides[FLINT_MAX_RANK];
    int bStrides[FLINT_MAX_RANK];
};

// dst (outDims) contiguous; the source element of an output index vector is sum idx[d] * srcStrides[d].
struct PermuteDims {
    int rank;
    int outDims[FLINT_MAX_RANK];
    int srcStrides[FLINT_MAX_RANK];
};

// One image chunk of a 2-D convolution (NCHW); column buffers hold element (n, ckk, ohw) at
// n * colStrideN + ckk * colStrideK + ohw, so one kernel writes batch-major or channel-major columns.
struct ConvParams {
    int channels, inH, inW;
    int kernelH, kernelW, strideH, strideW, padH, padW;
    int outH, outW;
    int images;        // images in this chunk
    int colStrideN;    // column-buffer stride between images
    int colStrideK;    // column-buffer stride between (c, kh, kw) rows
};

// 2-D pooling over planes = batch * channels (NCHW).
struct PoolParams {
    int planes, inH, inW;
    int kernelH, kernelW, strideH, strideW, padH, padW;
    int outH, outW;
};

// One strided operand of an attention: element (b, h, t, e) at offset + b * batchStride + h * headStride
// + t * rowStride + e.
struct AttnOperand {
    int offset, batchStride, headStride, rowStride;
};

// Scaled dot-product attention over batch * heads matrices (attention.cu); the scale as its float bits.
struct AttentionParams {
    int batch, heads, queries, keys, headDim, valueDim;
    int scaleBits;
    int causal, hasMask;
    AttnOperand q, k, v, mask, out;
};

// Where the backward pass reads the output's gradient and writes the inputs' (attention.cu).
struct AttentionGrads {
    AttnOperand dOut, dq, dk, dv;
};

// ---------------------------------------------------------------- helpers

// Grid-stride loop over [0, n): 64-bit index so that i + stride never overflows near 2^31.
#define FLINT_GRID_LOOP(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

// Java's Math.max / Math.min: NaN if either argument is NaN (fmaxf would drop the NaN).
__device__ __forceinline__ float java_max(float a, float b) {
    return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b);
}
__device__ __forceinline__ float java_min(float a, float b) {
    return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b);
}

// Java's Math.pow where C's powf differs: a NaN exponent gives NaN (powf(1, NaN) is 1), and
// |base| == 1 with an infinite exponent gives NaN (powf gives 1).
__device__ __forceinline__ float java_pow(float a, float b) {
    if (b != b) return __int_as_float(0x7fc00000);
    if (fabsf(a) == 1.0f && isinf(b)) return __int_as_float(0x7fc00000);
    return powf(a, b);
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = FLINT_WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = FLINT_WARP / 2; o > 0; o >>= 1) v = java_max(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ float warp_min(float v) {
#pragma unroll
    for (int o = FLINT_WARP / 2; o > 0; o >>= 1) v = java_min(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Online softmax state: running maximum m and s = sum exp(x - m) over the values seen so far.
struct MaxSum {
    float m;
    float s;
};

__device__ __forceinline__ MaxSum maxsum_identity() {
    MaxSum r;
    r.m = -INFINITY;
    r.s = 0.0f;
    return r;
}

// Adds one value, rescaling the running sum when the maximum grows.
__device__ __forceinline__ MaxSum maxsum_add(MaxSum a, float x) {
    if (x > a.m) {
        a.s = a.s * expf(a.m - x) + 1.0f;   // expf(-inf) == 0 covers the first value
        a.m = x;
    } else if (x > -INFINITY) {
        a.s += expf(x - a.m);
    } else if (x != x) {
        a.s = x;                            // NaN poisons the row, as it does the CPU's maximum
    }                                       // -inf contributes exp(-inf) == 0
    return a;
}

// Merges two partial states (associative, so any reduction tree gives the same result up to rounding).
__device__ __forceinline__ MaxSum maxsum_merge(MaxSum a, MaxSum b) {
    if (b.m > a.m) { MaxSum t = a; a = b; b = t; }
    if (b.m == -INFINITY) {                  // nothing to rescale (b.s is 0, or NaN from a NaN)
        a.s += b.s;
        return a;
    }
    a.s += b.s * expf(b.m - a.m);
    return a;
}

__device__ __forceinline__ MaxSum warp_maxsum(MaxSum v) {
#pragma unroll
    for (int o = FLINT_WARP / 2; o > 0; o >>= 1) {
        MaxSum other;
        other.m = __shfl_xor_sync(0xffffffffu, v.m, o);
        other.s = __shfl_xor_sync(0xffffffffu, v.s, o);
        v = maxsum_merge(v, other);
    }
    return v;
}

// Block-wide reductions for blocks of up to 1024 threads (a multiple of 32): each warp reduces,
// warp results meet in shared memory, the first warp reduces those; every thread gets the result.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[FLINT_WARP];
    __shared__ float result;
    int lane = threadIdx.x % FLINT_WARP, warp = threadIdx.x / FLINT_WARP;
    int warps = (blockDim.x + FLINT_WARP - 1) / FLINT_WARP;
    v = warp_sum(v);
    __syncthreads();                          // partial may still be read by a previous call
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float w = lane < warps ? partial[lane] : 0.0f;
        w = warp_sum(w);
        if (lane == 0) result = w;
    }
    __syncthreads();
    return result;
}

__device__ __forceinline__ MaxSum block_maxsum(MaxSum v) {
    __shared__ float pm[FLINT_WARP];
    __shared__ float ps[FLINT_WARP];
    __shared__ MaxSum result;
    int lane = threadIdx.x % FLINT_WARP, warp = threadIdx.x / FLINT_WARP;
    int warps = (blockDim.x + FLINT_WARP - 1) / FLINT_WARP;
    v = warp_maxsum(v);
    __syncthreads();
    if (lane == 0) { pm[warp] = v.m; ps[warp] = v.s; }
    __syncthreads();
    if (warp == 0) {
        MaxSum w = maxsum_identity();
        if (lane < warps) { w.m = pm[lane]; w.s = ps[lane]; }
        w = warp_maxsum(w);
        if (lane == 0) result = w;
    }
    __syncthreads();
    return result;
}

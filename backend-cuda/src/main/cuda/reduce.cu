// Reductions over the middle axis of (outer, extent, inner), and argmax.
// Launched by dev.flint.cuda.CudaBackend (reduce, argmax).
//
// inner == 1 (rows are contiguous): a block per row, or per row segment when a few long rows must
// be split across the GPU (the launcher then reduces the segment results with a second launch).
// inner > 1: a thread per output, looping over extent; neighbouring threads read neighbouring
// addresses, so the loads coalesce.
#include "common.cuh"

// Every reduction starts from its identity, so an unknown op code stops the kernel here.
__device__ __forceinline__ float reduce_identity(int op) {
    switch (op) {
        case R_SUM: return 0.0f;
        case R_MAX: return -INFINITY;
        case R_MIN: return INFINITY;
        default: FLINT_UNKNOWN_OP(); return 0.0f;
    }
}

__device__ __forceinline__ float reduce_combine(int op, float a, float b) {
    return op == R_SUM ? a + b : (op == R_MAX ? java_max(a, b) : java_min(a, b));
}

__device__ __forceinline__ float warp_reduce(int op, float v) {
    return op == R_SUM ? warp_sum(v) : (op == R_MAX ? warp_max(v) : warp_min(v));
}

__device__ __forceinline__ float block_reduce(int op, float v) {
    __shared__ float partial[FLINT_WARP];
    int lane = threadIdx.x % FLINT_WARP, warp = threadIdx.x / FLINT_WARP;
    int warps = (blockDim.x + FLINT_WARP - 1) / FLINT_WARP;
    v = warp_reduce(op, v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < warps ? partial[lane] : reduce_identity(op);
        v = warp_reduce(op, v);
    }
    return v;                                 // valid in thread 0
}

// x (rows, extent) -> out (rows * segments): block b reduces segment b % segments of row b / segments,
// a contiguous piece of ceil(extent / segments) elements.
extern "C" __global__ void reduce_rows_f32(const float* x, float* out, int rows, int extent, int segments, int op) {
    long long b = blockIdx.x;
    long long row = b / segments;
    int seg = (int)(b - row * segments);
    if (row >= rows) return;
    int piece = (extent + segments - 1) / segments;
    int begin = seg * piece;
    int end = min(extent, begin + piece);
    const float* p = x + row * extent;
    float acc = reduce_identity(op);
    for (int e = begin + threadIdx.x; e < end; e += blockDim.x) acc = reduce_combine(op, acc, p[e]);
    acc = block_reduce(op, acc);
    if (threadIdx.x == 0) out[b] = acc;
}

// x (outer, extent, inner) -> out (outer, inner), a thread per output.
extern "C" __global__ void reduce_cols_f32(const float* x, float* out, int outer, int extent, int inner, int op) {
    FLINT_GRID_LOOP(i, (long long)outer * inner) {
        long long o = i / inner;
        long long in = i - o * inner;
        const float* p = x + o * extent * inner + in;
        float acc = reduce_identity(op);
        for (int e = 0; e < extent; e++) acc = reduce_combine(op, acc, p[(long long)e * inner]);
        out[i] = acc;
    }
}

// Argmax order: NaN beats everything, then the larger value, then the smaller index.
__device__ __forceinline__ bool argmax_better(float v, int i, float best, int bestIdx) {
    bool vNan = v != v, bNan = best != best;
    if (vNan != bNan) return vNan;
    if (!vNan && v != best) return v > best;
    return i < bestIdx;
}

// x (rows, extent) -> out (rows) int32, one row per warp (8 rows per 256-thread block).
extern "C" __global__ void argmax_rows_f32(const float* x, int* out, int rows, int extent) {
    long long r = (long long)blockIdx.x * (blockDim.x / FLINT_WARP) + threadIdx.x / FLINT_WARP;
    if (r >= rows) return;
    int lane = threadIdx.x % FLINT_WARP;
    const float* p = x + r * extent;
    float best = -INFINITY;
    int bestIdx = 0x7fffffff;
    for (int e = lane; e < extent; e += FLINT_WARP) {
        float v = p[e];
        if (argmax_better(v, e, best, bestIdx)) { best = v; bestIdx = e; }
    }
#pragma unroll
    for (int o = FLINT_WARP / 2; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, best, o);
        int oi = __shfl_xor_sync(0xffffffffu, bestIdx, o);
        if (argmax_better(ov, oi, best, bestIdx)) { best = ov; bestIdx = oi; }
    }
    if (lane == 0) out[r] = bestIdx;
}

// x (outer, extent, inner) -> out (outer, inner) int32, a thread per output.
extern "C" __global__ void argmax_cols_f32(const float* x, int* out, int outer, int extent, int inner) {
    FLINT_GRID_LOOP(i, (long long)outer * inner) {
        long long o = i / inner;
        long long in = i - o * inner;
        const float* p = x + o * extent * inner + in;
        float best = p[0];
        int bestIdx = 0;
        for (int e = 1; e < extent; e++) {
            float v = p[(long long)e * inner];
            if (argmax_better(v, e, best, bestIdx)) { best = v; bestIdx = e; }
        }
        out[i] = bestIdx;
    }
}

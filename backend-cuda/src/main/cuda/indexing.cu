// Data movement and indexing: one-hot, row gather/scatter-add, strided block copy, axis permutation.
// Launched by dev.flint.cuda.CudaBackend (oneHot, gatherRows, scatterAddRows, copyBlocks, permute).
// The *_x32 kernels move 32-bit words, so they serve FLOAT32 and INT32 alike.
#include "common.cuh"

// labels (rows) int32 -> out (rows, classes) float32 one-hot.
extern "C" __global__ void one_hot_f32(const int* labels, float* out, int rows, int classes) {
    FLINT_GRID_LOOP(i, (long long)rows * classes) {
        long long r = i / classes;
        int c = (int)(i - r * classes);
        out[i] = c == labels[r] ? 1.0f : 0.0f;
    }
}

// src (*, rowLength), indices (count) int32 -> dst (count, rowLength): dst[i, :] = src[indices[i], :].
extern "C" __global__ void gather_rows_x32(const unsigned* src, const int* indices, unsigned* dst, int count,
                                           int rowLength) {
    FLINT_GRID_LOOP(i, (long long)count * rowLength) {
        long long r = i / rowLength;
        long long c = i - r * rowLength;
        dst[i] = src[(long long)indices[r] * rowLength + c];
    }
}

// src (count, rowLength), indices (count) int32 -> dst (*, rowLength) += src rows; repeated indices
// accumulate through atomicAdd, so the summation order (and the last bits) may vary between runs.
extern "C" __global__ void scatter_add_rows_f32(const float* src, const int* indices, float* dst, int count,
                                                int rowLength) {
    FLINT_GRID_LOOP(i, (long long)count * rowLength) {
        long long r = i / rowLength;
        long long c = i - r * rowLength;
        atomicAdd(dst + (long long)indices[r] * rowLength + c, src[i]);
    }
}

// blocks x blockLength words: dst[dstStride * b + e] = src[srcStride * b + e]; used when the blocks are
// too short for cuMemcpy2DAsync to pay off, or when a stride is shorter than a block.
extern "C" __global__ void copy_blocks_x32(const unsigned* src, int srcStride, unsigned* dst, int dstStride,
                                           int blocks, int blockLength) {
    FLINT_GRID_LOOP(i, (long long)blocks * blockLength) {
        long long b = i / blockLength;
        long long e = i - b * blockLength;
        dst[b * dstStride + e] = src[b * srcStride + e];
    }
}

// src read through d.srcStrides -> dst (d.outDims) contiguous: NumPy's transpose(perm) with the
// strides already permuted by the launcher (srcStrides[i] = stride of source axis perm[i]).
extern "C" __global__ void permute_x32(const unsigned* src, unsigned* dst, int n, PermuteDims d) {
    FLINT_GRID_LOOP(i, n) {
        long long rest = i;
        long long s = 0;
#pragma unroll                            // constant struct indices: no per-thread stack copy
        for (int axis = FLINT_MAX_RANK - 1; axis >= 0; axis--) {
            if (axis >= d.rank) continue;
            int dim = d.outDims[axis];
            int idx = (int)(rest % dim);
            rest /= dim;
            s += (long long)idx * d.srcStrides[axis];
        }
        dst[i] = src[s];
    }
}

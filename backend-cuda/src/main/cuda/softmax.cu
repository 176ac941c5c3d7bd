// Softmax and log-softmax forward/backward, fused softmax cross-entropy forward/backward.
// Launched by dev.flint.cuda.CudaBackend (softmaxForward, softmaxBackward, softmaxCrossEntropy*).
//
// A row is processed by a group of threads: a whole block for long rows (the *_block kernels, one
// row per block) or one warp for short rows (the *_warp kernels, 8 rows per 256-thread block). The
// forward pass reads the row once with an online maximum and rescaled sum (MaxSum in common.cuh),
// merges the per-thread states with warp shuffles (and shared memory across warps), then reads the
// row a second time to write the output: two reads and one write, never a separate max pass.
#include "common.cuh"

#define ROWS_PER_WARP_BLOCK 8

template <bool WARP>
__device__ __forceinline__ MaxSum group_maxsum(MaxSum v) {
    if constexpr (WARP) return warp_maxsum(v);
    else return block_maxsum(v);
}

template <bool WARP>
__device__ __forceinline__ float group_sum(float v) {
    if constexpr (WARP) return warp_sum(v);
    else return block_sum(v);
}

// The row's (max, sum of exp(x - max)), with 16-byte loads when the row allows them.
template <bool WARP>
__device__ __forceinline__ MaxSum row_maxsum(const float* row, int cols, int lane, int width) {
    MaxSum st = maxsum_identity();
    if (!WARP && (cols & 3) == 0) {
        const float4* row4 = reinterpret_cast<const float4*>(row);
        for (int c = lane; c < cols / 4; c += width) {
            float4 v = row4[c];
            st = maxsum_add(st, v.x);
            st = maxsum_add(st, v.y);
            st = maxsum_add(st, v.z);
            st = maxsum_add(st, v.w);
        }
    } else {
        for (int c = lane; c < cols; c += width) st = maxsum_add(st, row[c]);
    }
    return group_maxsum<WARP>(st);
}

template <bool WARP>
__device__ __forceinline__ void softmax_row(const float* x, float* y, int cols, int log, int lane, int width) {
    MaxSum st = row_maxsum<WARP>(x, cols, lane, width);
    if (log) {
        float logSum = logf(st.s);
        for (int c = lane; c < cols; c += width) y[c] = (x[c] - st.m) - logSum;
    } else {
        for (int c = lane; c < cols; c += width) y[c] = expf(x[c] - st.m) / st.s;
    }
}

// x (rows, cols) -> y (rows, cols), one row per block; log selects log-softmax.
extern "C" __global__ void softmax_forward_block_f32(const float* x, float* y, int rows, int cols, int log) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    softmax_row<false>(x + r * cols, y + r * cols, cols, log, threadIdx.x, blockDim.x);
}

// x (rows, cols) -> y (rows, cols), one row per warp.
extern "C" __global__ void softmax_forward_warp_f32(const float* x, float* y, int rows, int cols, int log) {
    long long r = (long long)blockIdx.x * ROWS_PER_WARP_BLOCK + threadIdx.x / FLINT_WARP;
    if (r >= rows) return;                    // whole warps leave; the warp kernels never sync the block
    softmax_row<true>(x + r * cols, y + r * cols, cols, log, threadIdx.x % FLINT_WARP, FLINT_WARP);
}

// y, dy (rows, cols) -> dx: softmax dx = y (dy - sum(dy y)); log-softmax dx = dy - exp(y) sum(dy).
template <bool WARP>
__device__ __forceinline__ void softmax_backward_row(const float* y, const float* dy, float* dx, int cols, int log,
                                                     int lane, int width) {
    float acc = 0.0f;
    if (log) {
        for (int c = lane; c < cols; c += width) acc += dy[c];
    } else {
        for (int c = lane; c < cols; c += width) acc += dy[c] * y[c];
    }
    acc = group_sum<WARP>(acc);
    if (log) {
        for (int c = lane; c < cols; c += width) dx[c] = dy[c] - expf(y[c]) * acc;
    } else {
        for (int c = lane; c < cols; c += width) dx[c] = y[c] * (dy[c] - acc);
    }
}

// y, dy (rows, cols) -> dx (rows, cols), one row per block.
extern "C" __global__ void softmax_backward_block_f32(const float* y, const float* dy, float* dx, int rows, int cols,
                                                      int log) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    softmax_backward_row<false>(y + r * cols, dy + r * cols, dx + r * cols, cols, log, threadIdx.x, blockDim.x);
}

// y, dy (rows, cols) -> dx (rows, cols), one row per warp.
extern "C" __global__ void softmax_backward_warp_f32(const float* y, const float* dy, float* dx, int rows, int cols,
                                                     int log) {
    long long r = (long long)blockIdx.x * ROWS_PER_WARP_BLOCK + threadIdx.x / FLINT_WARP;
    if (r >= rows) return;
    softmax_backward_row<true>(y + r * cols, dy + r * cols, dx + r * cols, cols, log, threadIdx.x % FLINT_WARP,
                               FLINT_WARP);
}

// One row of logits (classes) and its label -> probs (classes) = softmax, loss = logsumexp - logit[label].
template <bool WARP>
__device__ __forceinline__ void xent_row(const float* logits, int label, float* probs, float* loss, int classes,
                                         int lane, int width) {
    MaxSum st = row_maxsum<WARP>(logits, classes, lane, width);
    for (int c = lane; c < classes; c += width) probs[c] = expf(logits[c] - st.m) / st.s;
    if (lane == 0) *loss = (st.m + logf(st.s)) - logits[label];
}

// logits (rows, classes), labels (rows) int32 -> probs (rows, classes), losses (rows); one row per block.
extern "C" __global__ void softmax_xent_forward_block_f32(const float* logits, const int* labels, float* probs,
                                                          float* losses, int rows, int classes) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    xent_row<false>(logits + r * classes, labels[r], probs + r * classes, losses + r, classes, threadIdx.x,
                    blockDim.x);
}

// logits (rows, classes), labels (rows) int32 -> probs (rows, classes), losses (rows); one row per warp.
extern "C" __global__ void softmax_xent_forward_warp_f32(const float* logits, const int* labels, float* probs,
                                                         float* losses, int rows, int classes) {
    long long r = (long long)blockIdx.x * ROWS_PER_WARP_BLOCK + threadIdx.x / FLINT_WARP;
    if (r >= rows) return;
    xent_row<true>(logits + r * classes, labels[r], probs + r * classes, losses + r, classes,
                   threadIdx.x % FLINT_WARP, FLINT_WARP);
}

// probs (rows, classes), labels (rows), dLosses (rows) -> dLogits (rows, classes)
//   = dLosses[r] * (probs[r, c] - [c == labels[r]]).
extern "C" __global__ void softmax_xent_backward_f32(const float* probs, const int* labels, const float* dLosses,
                                                     float* dLogits, int rows, int classes) {
    FLINT_GRID_LOOP(i, (long long)rows * classes) {
        long long r = i / classes;
        int c = (int)(i - r * classes);
        float target = c == labels[r] ? 1.0f : 0.0f;
        dLogits[i] = dLosses[r] * (probs[i] - target);
    }
}

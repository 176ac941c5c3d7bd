// Layer normalization (each row of (rows, cols)) and batch normalization (each channel of
// (batch, channels, inner)), forward and backward.
// Launched by dev.flint.cuda.CudaBackend (layerNormForward, layerNormBackward, batchNormForward,
// batchNormBackward).
//
// Layer norm: a warp per row (up to 8 rows per block), as llm.c's layernorm kernels; the
// variance is taken from (x - mean) in a second pass over the row (cached), never as E[x^2] - mean^2,
// which cancels when the mean is large against the spread. The weight and bias gradients sum over
// every row: a first kernel sums fixed chunks of rows per column into a partial buffer, a second adds
// the chunks in order, so the result does not depend on scheduling (no atomics).
// Batch norm: a block per channel, statistics by block reductions, then the channel's outputs.
#include "common.cuh"

// Rows per chunk of the parameter-gradient partial sums, and the block shape that forms them.
#define LN_CHUNK_ROWS 64
#define LN_COLS_PER_BLOCK 32
#define LN_ROW_THREADS 8

// x (rows, cols), weight/bias (cols) or null -> y (rows, cols), mean/rstd (rows); one row per warp, as many
// rows per block as it has warps.
extern "C" __global__ void layer_norm_forward_f32(const float* x, const float* weight, const float* bias, float* y,
                                                  float* mean, float* rstd, int rows, int cols, float eps) {
    long long r = (long long)blockIdx.x * (blockDim.x / FLINT_WARP) + threadIdx.x / FLINT_WARP;
    if (r >= rows) return;                    // whole warps leave; the kernel never syncs the block
    int lane = threadIdx.x % FLINT_WARP;
    const float* row = x + r * cols;
    float sum = 0.0f;
    for (int c = lane; c < cols; c += FLINT_WARP) sum += row[c];
    float m = warp_sum(sum) / cols;
    float sq = 0.0f;
    for (int c = lane; c < cols; c += FLINT_WARP) {
        float d = row[c] - m;
        sq += d * d;
    }
    float rs = 1.0f / sqrtf(warp_sum(sq) / cols + eps);
    float* out = y + r * cols;
    for (int c = lane; c < cols; c += FLINT_WARP) {
        float v = (row[c] - m) * rs;
        if (weight) v *= weight[c];
        if (bias) v += bias[c];
        out[c] = v;
    }
    if (lane == 0) {
        mean[r] = m;
        rstd[r] = rs;
    }
}

// x, dy (rows, cols), weight (cols) or null, mean/rstd (rows) -> dx (rows, cols)
//   = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy weight, xhat = (x - mean) rstd; one row per warp.
extern "C" __global__ void layer_norm_backward_dx_f32(const float* x, const float* weight, const float* mean,
                                                      const float* rstd, const float* dy, float* dx, int rows,
                                                      int cols) {
    long long r = (long long)blockIdx.x * (blockDim.x / FLINT_WARP) + threadIdx.x / FLINT_WARP;
    if (r >= rows) return;
    int lane = threadIdx.x % FLINT_WARP;
    const float* xr = x + r * cols;
    const float* gr = dy + r * cols;
    float m = mean[r];
    float rs = rstd[r];
    float gSum = 0.0f;
    float gxSum = 0.0f;
    for (int c = lane; c < cols; c += FLINT_WARP) {
        float g = weight ? gr[c] * weight[c] : gr[c];
        gSum += g;
        gxSum += g * ((xr[c] - m) * rs);
    }
    float gMean = warp_sum(gSum) / cols;
    float gxMean = warp_sum(gxSum) / cols;
    float* out = dx + r * cols;
    for (int c = lane; c < cols; c += FLINT_WARP) {
        float g = weight ? gr[c] * weight[c] : gr[c];
        out[c] = rs * (g - gMean - ((xr[c] - m) * rs) * gxMean);
    }
}

// x, dy (rows, cols), mean/rstd (rows) -> partial (chunks, 2, cols): per chunk of LN_CHUNK_ROWS rows and per
// column, sum dy xhat (for the weight) and sum dy (for the bias). Block (32 columns) x (8 row threads),
// grid (column tiles) x (chunks) flattened; each row thread takes every 8th row of the chunk.
extern "C" __global__ void layer_norm_backward_partial_f32(const float* x, const float* mean, const float* rstd,
                                                           const float* dy, float* partial, int rows, int cols) {
    __shared__ float sw[LN_ROW_THREADS][LN_COLS_PER_BLOCK];
    __shared__ float sb[LN_ROW_THREADS][LN_COLS_PER_BLOCK];
    int colTiles = (cols + LN_COLS_PER_BLOCK - 1) / LN_COLS_PER_BLOCK;
    int tile = blockIdx.x % colTiles;
    int chunk = blockIdx.x / colTiles;
    int tx = threadIdx.x % LN_COLS_PER_BLOCK;
    int ty = threadIdx.x / LN_COLS_PER_BLOCK;
    int c = tile * LN_COLS_PER_BLOCK + tx;
    float accW = 0.0f;
    float accB = 0.0f;
    int r1 = min(rows, (chunk + 1) * LN_CHUNK_ROWS);
    if (c < cols) {
        for (int r = chunk * LN_CHUNK_ROWS + ty; r < r1; r += LN_ROW_THREADS) {
            float g = dy[(long long)r * cols + c];
            accW += g * ((x[(long long)r * cols + c] - mean[r]) * rstd[r]);
            accB += g;
        }
    }
    sw[ty][tx] = accW;
    sb[ty][tx] = accB;
    __syncthreads();
    if (ty == 0 && c < cols) {
        float w = 0.0f;
        float b = 0.0f;
        for (int k = 0; k < LN_ROW_THREADS; k++) {
            w += sw[k][tx];
            b += sb[k][tx];
        }
        partial[((long long)chunk * 2) * cols + c] = w;
        partial[((long long)chunk * 2 + 1) * cols + c] = b;
    }
}

// partial (chunks, 2, cols) -> dWeight, dBias (cols) or null: the chunks added in order, a thread per column.
extern "C" __global__ void layer_norm_backward_finish_f32(const float* partial, float* dWeight, float* dBias,
                                                          int chunks, int cols) {
    FLINT_GRID_LOOP(c, cols) {
        float w = 0.0f;
        float b = 0.0f;
        for (int k = 0; k < chunks; k++) {
            w += partial[((long long)k * 2) * cols + c];
            b += partial[((long long)k * 2 + 1) * cols + c];
        }
        if (dWeight) dWeight[c] = w;
        if (dBias) dBias[c] = b;
    }
}

// ---------------------------------------------------------------- batch norm

// x (batch, channels, inner), weight/bias (channels) or null, running mean/var (channels) or null
//   -> y (batch, channels, inner), saveMean/saveInvStd (channels); one block per channel.
// training: the channel's mean and biased variance (two passes), running statistics moved by momentum
// with the unbiased variance; otherwise the running statistics normalize.
extern "C" __global__ void batch_norm_forward_f32(const float* x, const float* weight, const float* bias,
                                                  float* runningMean, float* runningVar, float* y, float* saveMean,
                                                  float* saveInvStd, int batch, int channels, int inner,
                                                  int training, float momentum, float eps) {
    int c = blockIdx.x;
    if (c >= channels) return;
    long long count = (long long)batch * inner;
    float m;
    float invStd;
    if (training) {
        float sum = 0.0f;
        for (long long k = threadIdx.x; k < count; k += blockDim.x) {
            long long n = k / inner;
            sum += x[(n * channels + c) * inner + (k - n * inner)];
        }
        m = block_sum(sum) / count;
        float sq = 0.0f;
        for (long long k = threadIdx.x; k < count; k += blockDim.x) {
            long long n = k / inner;
            float d = x[(n * channels + c) * inner + (k - n * inner)] - m;
            sq += d * d;
        }
        sq = block_sum(sq);
        invStd = 1.0f / sqrtf(sq / count + eps);
        if (threadIdx.x == 0 && runningMean) {
            runningMean[c] = (1.0f - momentum) * runningMean[c] + momentum * m;
            runningVar[c] = (1.0f - momentum) * runningVar[c] + momentum * (sq / (count - 1));
        }
    } else {
        m = runningMean[c];
        invStd = 1.0f / sqrtf(runningVar[c] + eps);
    }
    if (threadIdx.x == 0) {
        saveMean[c] = m;
        saveInvStd[c] = invStd;
    }
    float scale = weight ? invStd * weight[c] : invStd;
    float shift = bias ? bias[c] : 0.0f;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        long long n = k / inner;
        long long at = (n * channels + c) * inner + (k - n * inner);
        y[at] = (x[at] - m) * scale + shift;
    }
}

// x, dy (batch, channels, inner), weight (channels) or null, saveMean/saveInvStd (channels)
//   -> dx (or null), dWeight = sum(dy xhat), dBias = sum(dy) (channels, each or null); one block per channel.
// training: dx = w invStd (dy - mean(dy) - xhat mean(dy xhat)); evaluation: dx = w invStd dy.
extern "C" __global__ void batch_norm_backward_f32(const float* x, const float* weight, const float* saveMean,
                                                   const float* saveInvStd, const float* dy, float* dx,
                                                   float* dWeight, float* dBias, int batch, int channels, int inner,
                                                   int training) {
    int c = blockIdx.x;
    if (c >= channels) return;
    long long count = (long long)batch * inner;
    float m = saveMean[c];
    float invStd = saveInvStd[c];
    float sumDy = 0.0f;
    float sumDyXhat = 0.0f;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        long long n = k / inner;
        long long at = (n * channels + c) * inner + (k - n * inner);
        sumDy += dy[at];
        sumDyXhat += dy[at] * ((x[at] - m) * invStd);
    }
    sumDy = block_sum(sumDy);
    sumDyXhat = block_sum(sumDyXhat);
    if (threadIdx.x == 0) {
        if (dWeight) dWeight[c] = sumDyXhat;
        if (dBias) dBias[c] = sumDy;
    }
    if (!dx) return;
    float scale = weight ? invStd * weight[c] : invStd;
    float meanDy = training ? sumDy / count : 0.0f;
    float meanDyXhat = training ? sumDyXhat / count : 0.0f;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        long long n = k / inner;
        long long at = (n * channels + c) * inner + (k - n * inner);
        dx[at] = scale * (dy[at] - meanDy - ((x[at] - m) * invStd) * meanDyXhat);
    }
}

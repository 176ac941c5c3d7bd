// 2-D max and average pooling, forward and backward (NCHW, planes = batch * channels).
// Launched by dev.flint.cuda.CudaBackend (maxPool2d*, avgPool2d*). The backward kernels gather: a
// thread per input cell sums the outputs whose window covers it, so dx is overwritten without a
// separate zeroing pass and without atomics.
#include "common.cuh"

// Output rows (or columns) whose window covers input coordinate h: oh in [first, last].
__device__ __forceinline__ void covering(int h, int pad, int kernel, int stride, int out, int& first, int& last) {
    int hp = h + pad;
    first = hp < kernel ? 0 : (hp - kernel) / stride + 1;
    last = min(hp / stride, out - 1);
}

// x (planes, inH, inW) -> y (planes, outH, outW), indices (same) int32 = h * inW + w of the first
// maximum in the window; padded cells are ignored. A thread per output.
extern "C" __global__ void max_pool_forward_f32(const float* x, float* y, int* indices, PoolParams p) {
    FLINT_GRID_LOOP(i, (long long)p.planes * p.outH * p.outW) {
        int ow = (int)(i % p.outW);
        long long t = i / p.outW;
        int oh = (int)(t % p.outH);
        long long plane = t / p.outH;
        const float* xp = x + plane * p.inH * p.inW;
        int h0 = oh * p.strideH - p.padH, w0 = ow * p.strideW - p.padW;
        int hBegin = max(h0, 0), hEnd = min(h0 + p.kernelH, p.inH);
        int wBegin = max(w0, 0), wEnd = min(w0 + p.kernelW, p.inW);
        int bestIdx = hBegin * p.inW + wBegin;
        float best = xp[bestIdx];
        for (int h = hBegin; h < hEnd; h++) {
            for (int w = wBegin; w < wEnd; w++) {
                float v = xp[h * p.inW + w];
                if (v > best) { best = v; bestIdx = h * p.inW + w; }
            }
        }
        y[i] = best;
        indices[i] = bestIdx;
    }
}

// dy, indices (planes, outH, outW) -> dx (planes, inH, inW), overwritten.
extern "C" __global__ void max_pool_backward_f32(const float* dy, const int* indices, float* dx, PoolParams p) {
    FLINT_GRID_LOOP(i, (long long)p.planes * p.inH * p.inW) {
        int w = (int)(i % p.inW);
        long long t = i / p.inW;
        int h = (int)(t % p.inH);
        long long plane = t / p.inH;
        int self = h * p.inW + w;
        int ohFirst, ohLast, owFirst, owLast;
        covering(h, p.padH, p.kernelH, p.strideH, p.outH, ohFirst, ohLast);
        covering(w, p.padW, p.kernelW, p.strideW, p.outW, owFirst, owLast);
        long long base = plane * p.outH * p.outW;
        float acc = 0.0f;
        for (int oh = ohFirst; oh <= ohLast; oh++) {
            for (int ow = owFirst; ow <= owLast; ow++) {
                long long o = base + oh * p.outW + ow;
                if (indices[o] == self) acc += dy[o];
            }
        }
        dx[i] = acc;
    }
}

// x (planes, inH, inW) -> y (planes, outH, outW): the window mean, padded cells counting as zeros.
extern "C" __global__ void avg_pool_forward_f32(const float* x, float* y, PoolParams p) {
    float scale = 1.0f / (float)(p.kernelH * p.kernelW);
    FLINT_GRID_LOOP(i, (long long)p.planes * p.outH * p.outW) {
        int ow = (int)(i % p.outW);
        long long t = i / p.outW;
        int oh = (int)(t % p.outH);
        long long plane = t / p.outH;
        const float* xp = x + plane * p.inH * p.inW;
        int h0 = oh * p.strideH - p.padH, w0 = ow * p.strideW - p.padW;
        int hBegin = max(h0, 0), hEnd = min(h0 + p.kernelH, p.inH);
        int wBegin = max(w0, 0), wEnd = min(w0 + p.kernelW, p.inW);
        float acc = 0.0f;
        for (int h = hBegin; h < hEnd; h++) {
            for (int w = wBegin; w < wEnd; w++) acc += xp[h * p.inW + w];
        }
        y[i] = acc * scale;
    }
}

// dy (planes, outH, outW) -> dx (planes, inH, inW), overwritten: each input cell receives
// dy / (kernelH * kernelW) from every window that covers it.
extern "C" __global__ void avg_pool_backward_f32(const float* dy, float* dx, PoolParams p) {
    float scale = 1.0f / (float)(p.kernelH * p.kernelW);
    FLINT_GRID_LOOP(i, (long long)p.planes * p.inH * p.inW) {
        int w = (int)(i % p.inW);
        long long t = i / p.inW;
        int h = (int)(t % p.inH);
        long long plane = t / p.inH;
        int ohFirst, ohLast, owFirst, owLast;
        covering(h, p.padH, p.kernelH, p.strideH, p.outH, ohFirst, ohLast);
        covering(w, p.padW, p.kernelW, p.strideW, p.outW, owFirst, owLast);
        const float* dyp = dy + plane * p.outH * p.outW;
        float acc = 0.0f;
        for (int oh = ohFirst; oh <= ohLast; oh++) {
            for (int ow = owFirst; ow <= owLast; ow++) acc += dyp[oh * p.outW + ow];
        }
        dx[i] = acc * scale;
    }
}

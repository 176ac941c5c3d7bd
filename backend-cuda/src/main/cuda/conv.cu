// Convolution helpers: im2col, col2im and the bias add. The convolution itself is cuBLAS GEMM over
// the column buffers (see CudaBackend.conv2dForward / conv2dBackwardData / conv2dBackwardWeight).
// Column element (n, ckk, ohw) lives at n * p.colStrideN + ckk * p.colStrideK + ohw, where
// ckk = (c * kernelH + kh) * kernelW + kw and ohw = oh * outW + ow.
#include "common.cuh"

// x (images, channels, inH, inW) -> cols (images, channels * kernelH * kernelW, outH * outW) in the
// layout the strides in p describe; padded cells read as zero. A thread per (n, c, oh, ow).
extern "C" __global__ void im2col_f32(const float* x, float* cols, ConvParams p) {
    long long total = (long long)p.images * p.channels * p.outH * p.outW;
    FLINT_GRID_LOOP(i, total) {
        int ow = (int)(i % p.outW);
        long long t = i / p.outW;
        int oh = (int)(t % p.outH);
        t /= p.outH;
        int c = (int)(t % p.channels);
        long long n = t / p.channels;
        const float* plane = x + (n * p.channels + c) * p.inH * p.inW;
        float* col = cols + n * p.colStrideN + (long long)c * p.kernelH * p.kernelW * p.colStrideK
                     + oh * p.outW + ow;
        int h0 = oh * p.strideH - p.padH, w0 = ow * p.strideW - p.padW;
        for (int kh = 0; kh < p.kernelH; kh++) {
            int h = h0 + kh;
            for (int kw = 0; kw < p.kernelW; kw++) {
                int w = w0 + kw;
                float v = (h >= 0 && h < p.inH && w >= 0 && w < p.inW) ? plane[h * p.inW + w] : 0.0f;
                col[(long long)(kh * p.kernelW + kw) * p.colStrideK] = v;
            }
        }
    }
}

// cols (images, channels * kernelH * kernelW, outH * outW) -> dx (images, channels, inH, inW),
// overwritten: each input cell sums the column entries that read it (a gather, so no atomics and a
// fixed summation order). A thread per input cell.
extern "C" __global__ void col2im_f32(const float* cols, float* dx, ConvParams p) {
    long long total = (long long)p.images * p.channels * p.inH * p.inW;
    FLINT_GRID_LOOP(i, total) {
        int w = (int)(i % p.inW);
        long long t = i / p.inW;
        int h = (int)(t % p.inH);
        t /= p.inH;
        int c = (int)(t % p.channels);
        long long n = t / p.channels;
        const float* col = cols + n * p.colStrideN + (long long)c * p.kernelH * p.kernelW * p.colStrideK;
        float acc = 0.0f;
        for (int kh = 0; kh < p.kernelH; kh++) {
            int hp = h + p.padH - kh;                 // = oh * strideH when this kernel row reads (h, w)
            if (hp < 0 || hp % p.strideH != 0) continue;
            int oh = hp / p.strideH;
            if (oh >= p.outH) continue;
            for (int kw = 0; kw < p.kernelW; kw++) {
                int wp = w + p.padW - kw;
                if (wp < 0 || wp % p.strideW != 0) continue;
                int ow = wp / p.strideW;
                if (ow >= p.outW) continue;
                acc += col[(long long)(kh * p.kernelW + kw) * p.colStrideK + oh * p.outW + ow];
            }
        }
        dx[i] = acc;
    }
}

// y (images, channels, plane) += bias (channels), broadcast over each plane.
extern "C" __global__ void bias_add_f32(float* y, const float* bias, int images, int channels, int plane) {
    FLINT_GRID_LOOP(i, (long long)images * channels * plane) {
        int c = (int)((i / plane) % channels);
        y[i] += bias[c];
    }
}

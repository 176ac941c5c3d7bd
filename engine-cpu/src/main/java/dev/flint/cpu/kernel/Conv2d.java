package dev.flint.cpu.kernel;

import dev.flint.backend.ConvGeometry;
import dev.flint.cpu.gemm.Sgemm;
import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;

/**
 * 2-D convolution in NCHW layout by im2col and {@link Sgemm}. For one image, the columns matrix
 * {@code col (C*kh*kw, outH*outW)} holds in row {@code (c, i, j)} the input pixels that kernel tap
 * {@code (i, j)} of channel c sees at each output position (0 for padding). Then
 * <pre>
 *   forward:         y_n (OC, outHW)   = W (OC, CKK) . col_n
 *   backward data:   col  (CKK, outHW) = W^T . dy_n,  then dx_n = col2im(col) (overlaps add)
 *   backward weight: dW (OC, CKK)      = sum_n dy_n . col_n^T
 * </pre>
 * A 1x1 kernel with stride 1 and no padding needs no columns: the image itself is the matrix.
 *
 * <pre>{@code
 * Conv2d.forward(g, x, w, bias, y);   // bias may be null
 * }</pre>
 *
 * <p>Images run in parallel, each thread with its own reusable column buffer (the GEMM inside then
 * runs on that thread); a batch of one runs a parallel GEMM instead. The weight gradient sums the batch
 * in a fixed number of groups whose partial sums are added in group order, so the result is the same
 * for every thread count.
 */
public final class Conv2d {
    /** Groups of images whose weight-gradient partial sums are kept separately (a fixed number). */
    static final int WEIGHT_GROUPS = 8;

    private Conv2d() {
    }

    /** {@code y = conv2d(x, w) + bias}; {@code bias} may be null. */
    public static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int outHw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = g.outChannels() * outHw;
        boolean direct = isPointwise(g);
        Parallel.forRange(0, g.batch(), 1, (n0, n1) -> {
            float[] col = direct ? null : Scratch.floats(Scratch.COLUMNS, ckk * outHw);
            for (int n = n0; n < n1; n++) {
                float[] b = x;
                int bOff = n * inImage;
                if (!direct) {
                    im2col(g, x, bOff, col);
                    b = col;
                    bOff = 0;
                }
                Sgemm.gemm(false, false, g.outChannels(), outHw, ckk, 1f, w, 0, ckk, b, bOff, outHw,
                        0f, y, n * outImage, outHw);
                if (bias != null) {
                    for (int oc = 0; oc < g.outChannels(); oc++) {
                        float v = bias[oc];
                        int off = n * outImage + oc * outHw;
                        for (int p = 0; p < outHw; p++) {
                            y[off + p] += v;
                        }
                    }
                }
            }
        });
    }

    /** {@code dx} = gradient of the loss with respect to the input; overwritten. */
    public static void backwardData(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int outHw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = g.outChannels() * outHw;
        boolean direct = isPointwise(g);
        Parallel.forRange(0, g.batch(), 1, (n0, n1) -> {
            float[] col = direct ? null : Scratch.floats(Scratch.COLUMNS, ckk * outHw);
            for (int n = n0; n < n1; n++) {
                if (direct) {
                    Sgemm.gemm(true, false, ckk, outHw, g.outChannels(), 1f, w, 0, ckk, dy, n * outImage, outHw,
                            0f, dx, n * inImage, outHw);
                } else {
                    Sgemm.gemm(true, false, ckk, outHw, g.outChannels(), 1f, w, 0, ckk, dy, n * outImage, outHw,
                            0f, col, 0, outHw);
                    col2im(g, col, dx, n * inImage);
                }
            }
        });
    }

    /** {@code dw} = gradient of the loss with respect to the weight; overwritten. */
    public static void backwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int weightSize = g.outChannels() * ckk;
        int groups = Math.min(g.batch(), WEIGHT_GROUPS);
        if (groups == 1) {
            accumulateWeight(g, x, dy, 0, g.batch(), dw, 0);
            return;
        }
        float[] partials = Scratch.floats(Scratch.PARTIALS, groups * weightSize);
        Parallel.forRange(0, groups, 1, (g0, g1) -> {
            for (int grp = g0; grp < g1; grp++) {
                int n0 = (int) ((long) g.batch() * grp / groups);
                int n1 = (int) ((long) g.batch() * (grp + 1) / groups);
                accumulateWeight(g, x, dy, n0, n1, partials, grp * weightSize);
            }
        });
        Parallel.forRange(0, weightSize, Elementwise.GRAIN, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float s = partials[i];
                for (int grp = 1; grp < groups; grp++) {
                    s += partials[grp * weightSize + i];
                }
                dw[i] = s;
            }
        });
    }

    /** {@code dst[dstOff ..] = sum over images [n0, n1)} of {@code dy_n . col_n^T}, images in order. */
    private static void accumulateWeight(ConvGeometry g, float[] x, float[] dy, int n0, int n1, float[] dst,
                                         int dstOff) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int outHw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = g.outChannels() * outHw;
        boolean direct = isPointwise(g);
        float[] col = direct ? null : Scratch.floats(Scratch.COLUMNS, ckk * outHw);
        for (int n = n0; n < n1; n++) {
            float[] b = x;
            int bOff = n * inImage;
            if (!direct) {
                im2col(g, x, bOff, col);
                b = col;
                bOff = 0;
            }
            Sgemm.gemm(false, true, g.outChannels(), ckk, outHw, 1f, dy, n * outImage, outHw, b, bOff, outHw,
                    n == n0 ? 0f : 1f, dst, dstOff, ckk);
        }
    }

    private static boolean isPointwise(ConvGeometry g) {
        return g.kernelH() == 1 && g.kernelW() == 1 && g.strideH() == 1 && g.strideW() == 1
                && g.padH() == 0 && g.padW() == 0;
    }

    /** First output column {@code o} whose input coordinate {@code o * stride - pad + tap} is >= 0. */
    private static int firstValid(int tap, int stride, int pad) {
        int need = pad - tap;
        return need <= 0 ? 0 : (need + stride - 1) / stride;
    }

    /** One past the last output column whose input coordinate is < {@code size}. */
    private static int endValid(int tap, int stride, int pad, int size, int out) {
        int last = size - 1 + pad - tap;
        return last < 0 ? 0 : Math.min(out, last / stride + 1);
    }

    /** Fills {@code col (C*kh*kw, outH*outW)} from one image of {@code x} starting at {@code xOff}. */
    static void im2col(ConvGeometry g, float[] x, int xOff, float[] col) {
        int inH = g.inH();
        int inW = g.inW();
        int outH = g.outH();
        int outW = g.outW();
        int sh = g.strideH();
        int sw = g.strideW();
        int row = 0;
        for (int c = 0; c < g.inChannels(); c++) {
            int plane = xOff + c * inH * inW;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                for (int kj = 0; kj < g.kernelW(); kj++, row++) {
                    int base = row * outH * outW;
                    int lo = Math.min(firstValid(kj, sw, g.padW()), outW);
                    int hi = Math.max(lo, endValid(kj, sw, g.padW(), inW, outW));
                    for (int oh = 0; oh < outH; oh++) {
                        int dst = base + oh * outW;
                        int ih = oh * sh - g.padH() + ki;
                        if (ih < 0 || ih >= inH) {
                            for (int ow = 0; ow < outW; ow++) {
                                col[dst + ow] = 0f;
                            }
                            continue;
                        }
                        for (int ow = 0; ow < lo; ow++) {
                            col[dst + ow] = 0f;
                        }
                        int src = plane + ih * inW + lo * sw - g.padW() + kj;
                        if (sw == 1) {
                            System.arraycopy(x, src, col, dst + lo, hi - lo);
                        } else {
                            for (int ow = lo; ow < hi; ow++, src += sw) {
                                col[dst + ow] = x[src];
                            }
                        }
                        for (int ow = hi; ow < outW; ow++) {
                            col[dst + ow] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Overwrites one image of {@code dx} at {@code dxOff} with the sum of the column entries that read each pixel. */
    static void col2im(ConvGeometry g, float[] col, float[] dx, int dxOff) {
        int inH = g.inH();
        int inW = g.inW();
        int outH = g.outH();
        int outW = g.outW();
        int sh = g.strideH();
        int sw = g.strideW();
        Arrays.fill(dx, dxOff, dxOff + g.inChannels() * inH * inW, 0f);
        int row = 0;
        for (int c = 0; c < g.inChannels(); c++) {
            int plane = dxOff + c * inH * inW;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                for (int kj = 0; kj < g.kernelW(); kj++, row++) {
                    int base = row * outH * outW;
                    int lo = Math.min(firstValid(kj, sw, g.padW()), outW);
                    int hi = Math.max(lo, endValid(kj, sw, g.padW(), inW, outW));
                    for (int oh = 0; oh < outH; oh++) {
                        int ih = oh * sh - g.padH() + ki;
                        if (ih < 0 || ih >= inH) {
                            continue;
                        }
                        int src = base + oh * outW;
                        int dst = plane + ih * inW + lo * sw - g.padW() + kj;
                        if (sw == 1) {
                            for (int ow = lo; ow < hi; ow++, dst++) {
                                dx[dst] += col[src + ow];
                            }
                        } else {
                            for (int ow = lo; ow < hi; ow++, dst += sw) {
                                dx[dst] += col[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }
}

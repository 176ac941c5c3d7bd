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
 *
 * <pre>{@code
 * Conv2d.forward(g, x, w, bias, y);   // bias may be null
 * }</pre>
 *
 * <p>Small images make thin matrices (7x7 outputs give 49 columns) on which a GEMM runs at half
 * speed, so a few images share one GEMM: their columns sit side by side in one wider matrix, and
 * {@code dy} or {@code y} is staged through a buffer of the same width. Groups are fixed by the
 * geometry alone ({@link #imagesPerGemm}) and run in parallel, each thread with its own reusable
 * buffers (the GEMM inside then runs on that thread); a single group runs a parallel GEMM instead. A
 * 1x1 kernel with stride 1 and no padding needs no columns when a group holds one image: the image
 * itself is the matrix. Stride-1 layers with few channels skip im2col altogether when the Vector API
 * is present ({@link DirectConv}). The weight gradient sums the batch in {@value #WEIGHT_GROUPS} fixed slices
 * whose partial sums are added in order. Nothing depends on the thread count, so neither do results.
 */
public final class Conv2d {
    /** Slices of the batch whose weight-gradient partial sums are kept separately (a fixed number). */
    static final int WEIGHT_GROUPS = 8;
    /** A GEMM is near full speed from about this many columns. */
    static final int MIN_COLUMNS = 512;
    /** Grouping stops short of leaving fewer than this many groups, so that many threads find work. */
    static final int MIN_GROUPS = 16;

    private Conv2d() {
    }

    /**
     * Images per GEMM: enough for {@value #MIN_COLUMNS} output columns, but at most
     * {@code batch / }{@value #MIN_GROUPS}. Depends on the geometry only, never on the thread count.
     */
    static int imagesPerGemm(ConvGeometry g) {
        int outHw = g.outH() * g.outW();
        int want = (MIN_COLUMNS + outHw - 1) / outHw;
        return Math.max(1, Math.min(want, g.batch() / MIN_GROUPS));
    }

    /**
     * Whether this geometry takes {@link DirectConv} (stride 1, few channels) rather than im2col: only
     * with the Vector API, whose classes DirectConv loads. Decided on the geometry alone.
     */
    static boolean direct(ConvGeometry g) {
        return FloatMath.VECTOR && DirectConv.applies(g);
    }

    /** {@code y = conv2d(x, w) + bias}; {@code bias} may be null. */
    public static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        if (direct(g)) {
            DirectConv.forward(g, x, w, bias, y);
        } else {
            forwardIm2col(g, x, w, bias, y);
        }
    }

    /** {@code dx} = gradient of the loss with respect to the input; overwritten. */
    public static void backwardData(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        if (direct(g)) {
            DirectConv.backwardData(g, dy, w, dx);
        } else {
            backwardDataIm2col(g, dy, w, dx);
        }
    }

    /** {@code dw} = gradient of the loss with respect to the weight; overwritten. */
    public static void backwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        if (direct(g)) {
            DirectConv.backwardWeight(g, x, dy, dw);
        } else {
            backwardWeightIm2col(g, x, dy, dw);
        }
    }

    /** The im2col forward, the reference for {@link DirectConv}. */
    static void forwardIm2col(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int oc = g.outChannels();
        int outHw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = oc * outHw;
        boolean pointwise = isPointwise(g);
        int per = imagesPerGemm(g);
        int groups = (g.batch() + per - 1) / per;
        Parallel.forRange(0, groups, 1, (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int first = q * per;
                int count = Math.min(per, g.batch() - first);
                int width = count * outHw;
                if (count == 1) {
                    float[] b = x;
                    int bOff = first * inImage;
                    if (!pointwise) {
                        b = Scratch.floats(Scratch.COLUMNS, ckk * outHw);
                        bOff = 0;
                        im2col(g, x, first * inImage, b, 0, outHw);
                    }
                    Sgemm.gemm(false, false, oc, outHw, ckk, 1f, w, 0, ckk, b, bOff, outHw,
                            0f, y, first * outImage, outHw);
                } else {
                    float[] col = Scratch.floats(Scratch.COLUMNS, ckk * width);
                    for (int i = 0; i < count; i++) {
                        im2col(g, x, (first + i) * inImage, col, i * outHw, width);
                    }
                    float[] staged = Scratch.floats(Scratch.STAGING, oc * width);
                    Sgemm.gemm(false, false, oc, width, ckk, 1f, w, 0, ckk, col, 0, width, 0f, staged, 0, width);
                    for (int i = 0; i < count; i++) {
                        for (int o = 0; o < oc; o++) {
                            System.arraycopy(staged, o * width + i * outHw, y, (first + i) * outImage + o * outHw,
                                    outHw);
                        }
                    }
                }
                if (bias != null) {
                    for (int i = first; i < first + count; i++) {
                        for (int o = 0; o < oc; o++) {
                            float v = bias[o];
                            int off = i * outImage + o * outHw;
                            for (int p = 0; p < outHw; p++) {
                                y[off + p] += v;
                            }
                        }
                    }
                }
            }
        });
    }

    /** The im2col data gradient. */
    static void backwardDataIm2col(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int oc = g.outChannels();
        int outHw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = oc * outHw;
        boolean pointwise = isPointwise(g);
        int per = imagesPerGemm(g);
        int groups = (g.batch() + per - 1) / per;
        Parallel.forRange(0, groups, 1, (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int first = q * per;
                int count = Math.min(per, g.batch() - first);
                int width = count * outHw;
                if (count == 1 && pointwise) {
                    Sgemm.gemm(true, false, ckk, outHw, oc, 1f, w, 0, ckk, dy, first * outImage, outHw,
                            0f, dx, first * inImage, outHw);
                    continue;
                }
                float[] a = dy;
                int aOff = first * outImage;
                if (count > 1) {
                    a = stage(dy, first, count, oc, outHw);
                    aOff = 0;
                }
                float[] col = Scratch.floats(Scratch.COLUMNS, ckk * width);
                Sgemm.gemm(true, false, ckk, width, oc, 1f, w, 0, ckk, a, aOff, width, 0f, col, 0, width);
                for (int i = 0; i < count; i++) {
                    col2im(g, col, i * outHw, width, dx, (first + i) * inImage);
                }
            }
        });
    }

    /** The im2col weight gradient. */
    static void backwardWeightIm2col(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int weightSize = g.outChannels() * ckk;
        int slices = Math.min(g.batch(), WEIGHT_GROUPS);
        if (slices == 1) {
            accumulateWeight(g, x, dy, 0, g.batch(), dw, 0);
            return;
        }
        float[] partials = Scratch.floats(Scratch.PARTIALS, slices * weightSize);
        Parallel.forRange(0, slices, 1, (s0, s1) -> {
            for (int s = s0; s < s1; s++) {
                int n0 = (int) ((long) g.batch() * s / slices);
                int n1 = (int) ((long) g.batch() * (s + 1) / slices);
                accumulateWeight(g, x, dy, n0, n1, partials, s * weightSize);
            }
        });
        sumSlices(partials, slices, weightSize, dw);
    }

    /**
     * {@code dw[i]} = the sum over the {@code slices} partial weight gradients of {@code size} floats each
     * ({@code partials[s * size + i]}), for the im2col and the direct path alike. Each element is added
     * in slice order whatever the threads, which keeps the weight gradient independent of the thread count.
     */
    static void sumSlices(float[] partials, int slices, int size, float[] dw) {
        Parallel.forRange(0, size, Elementwise.GRAIN, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float sum = partials[i];
                for (int s = 1; s < slices; s++) {
                    sum += partials[s * size + i];
                }
                dw[i] = sum;
            }
        });
    }

    /**
     * {@code dst[dstOff ..] = sum over images [n0, n1)} of {@code dy_n . col_n^T}, in groups of
     * {@link #imagesPerGemm} images counted from n0.
     */
    private static void accumulateWeight(ConvGeometry g, float[] x, float[] dy, int n0, int n1, float[] dst,
                                         int dstOff) {
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int oc = g.outChannels();
        int outHw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = oc * outHw;
        boolean pointwise = isPointwise(g);
        int per = imagesPerGemm(g);
        for (int first = n0; first < n1; first += per) {
            int count = Math.min(per, n1 - first);
            int width = count * outHw;
            float[] a = dy;
            int aOff = first * outImage;
            float[] b = x;
            int bOff = first * inImage;
            if (count > 1) {
                a = stage(dy, first, count, oc, outHw);
                aOff = 0;
            }
            if (count > 1 || !pointwise) {
                b = Scratch.floats(Scratch.COLUMNS, ckk * width);
                bOff = 0;
                for (int i = 0; i < count; i++) {
                    im2col(g, x, (first + i) * inImage, b, i * outHw, width);
                }
            }
            Sgemm.gemm(false, true, oc, ckk, width, 1f, a, aOff, width, b, bOff, width,
                    first == n0 ? 0f : 1f, dst, dstOff, ckk);
        }
    }

    /**
     * Copies {@code count} images of {@code src (N, rows, hw)} from image {@code first} side by side
     * into a {@code (rows, count * hw)} staging matrix, and returns it.
     */
    private static float[] stage(float[] src, int first, int count, int rows, int hw) {
        int width = count * hw;
        float[] staged = Scratch.floats(Scratch.STAGING, rows * width);
        for (int i = 0; i < count; i++) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(src, ((first + i) * rows + r) * hw, staged, r * width + i * hw, hw);
            }
        }
        return staged;
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

    /**
     * Writes the columns of one image of {@code x} (starting at {@code xOff}) into the
     * {@code (C*kh*kw) x (outH*outW)} block of {@code col} at {@code colOff} with row stride {@code ldCol}.
     */
    static void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff, int ldCol) {
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
                    int base = colOff + row * ldCol;
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

    /**
     * Overwrites one image of {@code dx} at {@code dxOff} with, for each pixel, the sum of the entries of
     * the column block at {@code colOff} (row stride {@code ldCol}) that read it.
     */
    static void col2im(ConvGeometry g, float[] col, int colOff, int ldCol, float[] dx, int dxOff) {
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
                    int base = colOff + row * ldCol;
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

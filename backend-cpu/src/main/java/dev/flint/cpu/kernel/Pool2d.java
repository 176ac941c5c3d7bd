package dev.flint.cpu.kernel;

import dev.flint.backend.PoolGeometry;
import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;

/**
 * 2-D max and average pooling in NCHW layout, forward and backward. Each (n, c) plane is independent,
 * so threads split the planes and the backward passes scatter into their own plane without races.
 *
 * <pre>{@code
 * Pool2d.maxForward(g, x, y, indices);    // indices[o] = h * inW + w of the winner in its plane
 * Pool2d.maxBackward(g, dy, indices, dx);
 * }</pre>
 *
 * <p>Windows are clipped to the input: max pooling never sees padding, average pooling counts padded
 * cells as zeros and always divides by {@code kernelH * kernelW}.
 */
public final class Pool2d {
    private Pool2d() {
    }

    /** Max pooling; the first maximum in row-major window order wins ties, and the first NaN wins outright. */
    public static void maxForward(PoolGeometry g, float[] x, float[] y, int[] indices) {
        int inHw = g.inH() * g.inW();
        int outHw = g.outH() * g.outW();
        int inH = g.inH();
        int inW = g.inW();
        int outW = g.outW();
        boolean twoByTwo = g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2
                && g.padH() == 0 && g.padW() == 0;
        Parallel.forRange(0, g.batch() * g.channels(), grain(g), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int in = p * inHw;
                int out = p * outHw;
                if (twoByTwo) {
                    maxTwoByTwo(x, in, inW, y, indices, out, g.outH(), outW);
                    continue;
                }
                for (int oh = 0; oh < g.outH(); oh++) {
                    int h0 = oh * g.strideH() - g.padH();
                    int hLo = Math.max(h0, 0);
                    int hHi = Math.min(h0 + g.kernelH(), inH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = ow * g.strideW() - g.padW();
                        int wLo = Math.max(w0, 0);
                        int wHi = Math.min(w0 + g.kernelW(), inW);
                        // padding is at most half the kernel, so every window holds at least one input
                        int bestIdx = windowMax(x, in, inW, hLo, hHi, wLo, wHi);
                        y[out + oh * outW + ow] = x[in + bestIdx];
                        indices[out + oh * outW + ow] = bestIdx;
                    }
                }
            }
        });
    }

    /**
     * Index within the plane of the first maximum of a window. Comparisons run on integer keys that
     * order like the floats ({@code -0} and {@code +0} share a key), updated with masks instead of
     * branches: on real activations "is this one bigger" is a coin flip, and a branch on it costs
     * about 3x the whole loop. A window holding NaN is redone with plain comparisons.
     */
    private static int windowMax(float[] x, int in, int inW, int hLo, int hHi, int wLo, int wHi) {
        int bestKey = Integer.MIN_VALUE;
        int bestIdx = hLo * inW + wLo;
        int nan = 0;
        for (int h = hLo; h < hHi; h++) {
            for (int w = wLo; w < wHi; w++) {
                int idx = h * inW + w;
                int bits = Float.floatToRawIntBits(x[in + idx]);
                nan |= 0x7F800000 - (bits & 0x7FFFFFFF);
                int key = FloatOrder.key(bits);
                int greater = FloatOrder.less(bestKey, key);
                bestKey ^= (bestKey ^ key) & greater;
                bestIdx ^= (bestIdx ^ idx) & greater;
            }
        }
        return nan < 0 ? windowMaxWithNaN(x, in, inW, hLo, hHi, wLo, wHi) : bestIdx;
    }

    /**
     * The common 2x2, stride 2, unpadded case of one plane, unrolled: the same keyed comparisons as
     * {@link #windowMax} on the four cells in row-major order.
     */
    private static void maxTwoByTwo(float[] x, int in, int inW, float[] y, int[] indices, int out, int outH,
                                    int outW) {
        for (int oh = 0; oh < outH; oh++) {
            int top = 2 * oh * inW;
            int o = out + oh * outW;
            for (int ow = 0; ow < outW; ow++) {
                int i0 = top + 2 * ow;
                int i2 = i0 + inW;
                int b0 = Float.floatToRawIntBits(x[in + i0]);
                int b1 = Float.floatToRawIntBits(x[in + i0 + 1]);
                int b2 = Float.floatToRawIntBits(x[in + i2]);
                int b3 = Float.floatToRawIntBits(x[in + i2 + 1]);
                int nan = (0x7F800000 - (b0 & 0x7FFFFFFF)) | (0x7F800000 - (b1 & 0x7FFFFFFF))
                        | (0x7F800000 - (b2 & 0x7FFFFFFF)) | (0x7F800000 - (b3 & 0x7FFFFFFF));
                int bestIdx;
                if (nan < 0) {
                    bestIdx = windowMaxWithNaN(x, in, inW, 2 * oh, 2 * oh + 2, 2 * ow, 2 * ow + 2);
                } else {
                    int bestKey = FloatOrder.key(b0);
                    bestIdx = i0;
                    int k = FloatOrder.key(b1);
                    int greater = FloatOrder.less(bestKey, k);
                    bestKey ^= (bestKey ^ k) & greater;
                    bestIdx ^= (bestIdx ^ (i0 + 1)) & greater;
                    k = FloatOrder.key(b2);
                    greater = FloatOrder.less(bestKey, k);
                    bestKey ^= (bestKey ^ k) & greater;
                    bestIdx ^= (bestIdx ^ i2) & greater;
                    k = FloatOrder.key(b3);
                    greater = FloatOrder.less(bestKey, k);
                    bestIdx ^= (bestIdx ^ (i2 + 1)) & greater;
                }
                y[o + ow] = x[in + bestIdx];
                indices[o + ow] = bestIdx;
            }
        }
    }

    /** The plain definition, NaN included: the first NaN wins, else the first maximum. */
    private static int windowMaxWithNaN(float[] x, int in, int inW, int hLo, int hHi, int wLo, int wHi) {
        int bestIdx = hLo * inW + wLo;
        float best = x[in + bestIdx];
        for (int h = hLo; h < hHi; h++) {
            for (int w = wLo; w < wHi; w++) {
                int idx = h * inW + w;
                float v = x[in + idx];
                if (v != v) {
                    return idx;
                }
                if (v > best) {
                    best = v;
                    bestIdx = idx;
                }
            }
        }
        return bestIdx;
    }

    /** {@code dx} = zeros plus each {@code dy} added at its winner's position. */
    public static void maxBackward(PoolGeometry g, float[] dy, int[] indices, float[] dx) {
        int inHw = g.inH() * g.inW();
        int outHw = g.outH() * g.outW();
        Parallel.forRange(0, g.batch() * g.channels(), grain(g), (p0, p1) -> {
            Arrays.fill(dx, p0 * inHw, p1 * inHw, 0f);
            for (int p = p0; p < p1; p++) {
                int in = p * inHw;
                int out = p * outHw;
                for (int o = 0; o < outHw; o++) {
                    dx[in + indices[out + o]] += dy[out + o];
                }
            }
        });
    }

    /** Average pooling with padded cells counted as zeros. */
    public static void avgForward(PoolGeometry g, float[] x, float[] y) {
        int inHw = g.inH() * g.inW();
        int outHw = g.outH() * g.outW();
        float scale = 1f / (g.kernelH() * g.kernelW());
        Parallel.forRange(0, g.batch() * g.channels(), grain(g), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int in = p * inHw;
                int out = p * outHw;
                for (int oh = 0; oh < g.outH(); oh++) {
                    int h0 = oh * g.strideH() - g.padH();
                    int hLo = Math.max(h0, 0);
                    int hHi = Math.min(h0 + g.kernelH(), g.inH());
                    for (int ow = 0; ow < g.outW(); ow++) {
                        int w0 = ow * g.strideW() - g.padW();
                        int wLo = Math.max(w0, 0);
                        int wHi = Math.min(w0 + g.kernelW(), g.inW());
                        float sum = 0f;
                        for (int h = hLo; h < hHi; h++) {
                            int row = in + h * g.inW();
                            for (int w = wLo; w < wHi; w++) {
                                sum += x[row + w];
                            }
                        }
                        y[out + oh * g.outW() + ow] = sum * scale;
                    }
                }
            }
        });
    }

    /** {@code dx} = each {@code dy / (kernelH * kernelW)} spread over the input cells of its window. */
    public static void avgBackward(PoolGeometry g, float[] dy, float[] dx) {
        int inHw = g.inH() * g.inW();
        int outHw = g.outH() * g.outW();
        float scale = 1f / (g.kernelH() * g.kernelW());
        Parallel.forRange(0, g.batch() * g.channels(), grain(g), (p0, p1) -> {
            Arrays.fill(dx, p0 * inHw, p1 * inHw, 0f);
            for (int p = p0; p < p1; p++) {
                int in = p * inHw;
                int out = p * outHw;
                for (int oh = 0; oh < g.outH(); oh++) {
                    int h0 = oh * g.strideH() - g.padH();
                    int hLo = Math.max(h0, 0);
                    int hHi = Math.min(h0 + g.kernelH(), g.inH());
                    for (int ow = 0; ow < g.outW(); ow++) {
                        int w0 = ow * g.strideW() - g.padW();
                        int wLo = Math.max(w0, 0);
                        int wHi = Math.min(w0 + g.kernelW(), g.inW());
                        float v = dy[out + oh * g.outW() + ow] * scale;
                        for (int h = hLo; h < hHi; h++) {
                            int row = in + h * g.inW();
                            for (int w = wLo; w < wHi; w++) {
                                dx[row + w] += v;
                            }
                        }
                    }
                }
            }
        });
    }

    /** Planes per chunk so that a chunk is a few tens of thousands of window reads. */
    private static int grain(PoolGeometry g) {
        int work = g.outH() * g.outW() * g.kernelH() * g.kernelW();
        return Math.max(1, Elementwise.GRAIN / Math.max(1, work));
    }
}

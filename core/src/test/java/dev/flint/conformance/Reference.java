package dev.flint.conformance;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Attention;
import dev.flint.backend.BatchNormParams;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.PoolGeometry;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.SgdParams;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;

/**
 * The backend primitives in float64 with plain loops: the oracle of the conformance suite, and
 * reusable by any test that needs to know the right answer. Each method mirrors the
 * {@link dev.flint.backend.Backend} method of the same name (same argument order, same meaning),
 * with {@code double[]} in place of FLOAT32 storage and {@code int[]} in place of INT32 storage, and
 * writes into its destination the way the primitive does.
 *
 * <pre>{@code
 * double[] c = new double[m * n];
 * Reference.gemm(Gemm.of(m, n, k).a(a, false).b(b, true).into(c));
 * }</pre>
 *
 * <p>Readability beats speed here: no blocking, no tricks, the formula of the javadoc written out.
 * A sum of products is its own error bound when called with absolute values (see
 * {@link Tolerance#sum(int)}).
 */
public final class Reference {

    private Reference() {
    }

    // ---------------------------------------------------------------- memory

    /** {@code dst[dstOffset + i * dstStride + j] = src[srcOffset + i * srcStride + j]}; any array type. */
    public static void copyBlocks(Object src, int srcOffset, int srcStride, Object dst, int dstOffset, int dstStride,
                                  int blocks, int blockLength) {
        for (int i = 0; i < blocks; i++) {
            System.arraycopy(src, srcOffset + i * srcStride, dst, dstOffset + i * dstStride, blockLength);
        }
    }

    /**
     * For each flat index of the permuted tensor, the flat index of the source element it holds
     * (NumPy's {@code transpose(perm)}): {@code dst[j] = src[permuteSource(srcDims, perm)[j]]}.
     */
    public static int[] permuteSource(int[] srcDims, int[] perm) {
        int rank = srcDims.length;
        int[] srcStrides = rowMajorStrides(srcDims);
        int[] dstDims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dstDims[i] = srcDims[perm[i]];
        }
        int total = product(srcDims);
        int[] source = new int[total];
        int[] idx = new int[rank];
        for (int j = 0; j < total; j++) {
            int s = 0;
            for (int i = 0; i < rank; i++) {
                s += idx[i] * srcStrides[perm[i]];
            }
            source[j] = s;
            increment(idx, dstDims);
        }
        return source;
    }

    // ---------------------------------------------------------------- linear algebra

    /**
     * {@code C_p = alpha * op(A_p) op(B_p) + beta * C_p} for {@code p < batch}; with {@code beta == 0}
     * the old C is not read at all (so NaN there does not leak).
     */
    public static void gemm(boolean transA, boolean transB, int batch, int m, int n, int k, double alpha,
                            double[] a, int aOffset, int strideA, double[] b, int bOffset, int strideB,
                            double beta, double[] c, int cOffset, int strideC) {
        for (int p = 0; p < batch; p++) {
            int ao = aOffset + p * strideA;
            int bo = bOffset + p * strideB;
            int co = cOffset + p * strideC;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) {
                        double av = transA ? a[ao + l * m + i] : a[ao + i * k + l];
                        double bv = transB ? b[bo + j * k + l] : b[bo + l * n + j];
                        sum += av * bv;
                    }
                    double old = beta == 0 ? 0 : beta * c[co + i * n + j];
                    c[co + i * n + j] = alpha * sum + old;
                }
            }
        }
    }

    // ---------------------------------------------------------------- elementwise

    /** {@code y[i] = f(x[i])} for {@code i < n}. */
    public static void unary(Unary f, double[] x, double[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] = unary(f.op(), x[i], f.a(), f.b());
        }
    }

    /** One element of {@link #unary(Unary, double[], double[], int)}; {@code a, b} are the op's parameters. */
    public static double unary(UnaryOp op, double x, double a, double b) {
        return unaryRule(op, x, Double.NaN, a, b).value();
    }

    /**
     * {@code dx[i] = dy[i] * f'(x[i])}. The derivative is the exact one at {@code x}, except where the
     * op declares it reads its output: then it is taken from {@code y} (the float32 output the backend
     * saw), as the backend must, so that the comparison judges the backend and not the rounding of y.
     */
    public static void unaryBackward(Unary f, double[] x, double[] y, double[] dy, double[] dx, int n) {
        for (int i = 0; i < n; i++) {
            dx[i] = dy[i] * derivative(f.op(), x[i], y == null ? Double.NaN : y[i], f.a(), f.b());
        }
    }

    /** {@code f'(x)} (from {@code y = f(x)} where the op reads its output). */
    public static double derivative(UnaryOp op, double x, double y, double a, double b) {
        if (!op.differentiable()) {
            throw new IllegalArgumentException(op + " has no gradient");
        }
        return unaryRule(op, x, y, a, b).derivative();
    }

    /** A function's value at x and its derivative there (NaN for a function with no gradient). */
    public record UnaryRule(double value, double derivative) {
    }

    /**
     * Every function of the unary family in float64, value beside derivative: the derivative from
     * {@code x}, or from {@code y = f(x)} for the ops that declare they read their output. ReferenceTest
     * checks every derivative here against finite differences of its value.
     */
    public static UnaryRule unaryRule(UnaryOp op, double x, double y, double a, double b) {
        double nan = Double.NaN;
        return switch (op) {
            case NEG -> new UnaryRule(-x, -1);
            case EXP -> new UnaryRule(Math.exp(x), y);
            case LOG -> new UnaryRule(Math.log(x), 1 / x);
            case SQRT -> new UnaryRule(Math.sqrt(x), 0.5 / y);
            case ABS -> new UnaryRule(Math.abs(x), Math.signum(x));
            case SIGN -> new UnaryRule(Math.signum(x), nan);
            case RECIPROCAL -> new UnaryRule(1 / x, -y * y);
            case SQUARE -> new UnaryRule(x * x, 2 * x);
            case AFFINE -> new UnaryRule(a * x + b, a);
            case POW -> new UnaryRule(Math.pow(x, a), a * Math.pow(x, a - 1));
            case CLAMP -> new UnaryRule(Math.min(Math.max(x, a), b), a <= x && x <= b ? 1 : 0);
            case IN_RANGE -> new UnaryRule(a <= x && x <= b ? 1 : 0, nan);
            case RELU -> new UnaryRule(x > 0 || Double.isNaN(x) ? x : 0, x > 0 ? 1 : 0);
            case LEAKY_RELU -> new UnaryRule(x > 0 || Double.isNaN(x) ? x : a * x, x > 0 ? 1 : a);
            case SIGMOID -> new UnaryRule(1 / (1 + Math.exp(-x)), y * (1 - y));
            case TANH -> new UnaryRule(Math.tanh(x), 1 - y * y);
            case GELU -> {
                double cdf = 0.5 * (1 + erf(x / Math.sqrt(2)));
                yield new UnaryRule(x * cdf, cdf + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI));
            }
            case GELU_TANH -> {
                double c = Math.sqrt(2 / Math.PI);
                double t = Math.tanh(c * (x + 0.044715 * x * x * x));
                yield new UnaryRule(0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x));
            }
        };
    }

    /**
     * The error function to about 1e-15: its Taylor series below |x| = 2.5, the continued fraction of
     * erfc above (Java has no erf; the float kernels use cheaper fits and are judged against this).
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double z = Math.abs(x);
        double r;
        if (z < 2.5) {
            double term = z;
            double sum = z;
            for (int k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
                term *= -z * z / k;
                sum += term / (2 * k + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(z) = exp(-z^2) / sqrt(pi) * 1 / (z + 1/2 / (z + 1 / (z + 3/2 / (z + ...)))), evaluated bottom up
            double f = z;
            for (int k = 60; k >= 1; k--) {
                f = z + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }

    /**
     * Broadcasting binary op: {@code out} is contiguous with dims {@code outDims}, and the element at
     * index vector {@code idx} reads {@code a[sum idx[d] * aStrides[d]]} and {@code b[...]} likewise.
     */
    public static void binary(BinaryOp op, double[] a, int[] aStrides, double[] b, int[] bStrides, double[] out,
                              int[] outDims) {
        int total = product(outDims);
        int[] idx = new int[outDims.length];
        for (int j = 0; j < total; j++) {
            int ai = 0;
            int bi = 0;
            for (int d = 0; d < outDims.length; d++) {
                ai += idx[d] * aStrides[d];
                bi += idx[d] * bStrides[d];
            }
            out[j] = binary(op, a[ai], b[bi]);
            increment(idx, outDims);
        }
    }

    /** One element of {@link #binary(BinaryOp, double[], int[], double[], int[], double[], int[])}. */
    public static double binary(BinaryOp op, double a, double b) {
        switch (op) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case POW: return Math.pow(a, b);
            case MAX: return Math.max(a, b);
            case MIN: return Math.min(a, b);
            case EQ: return a == b ? 1 : 0;
            case NE: return a != b ? 1 : 0;
            case LT: return a < b ? 1 : 0;
            case LE: return a <= b ? 1 : 0;
            case GT: return a > b ? 1 : 0;
            case GE: return a >= b ? 1 : 0;
            default: throw new IllegalArgumentException("binary: no reference for " + op);
        }
    }

    // ---------------------------------------------------------------- reductions

    /** Reduces the middle axis of {@code x (outer, extent, inner)} into {@code out (outer, inner)}. */
    public static void reduce(ReduceOp op, double[] x, int outer, int extent, int inner, double[] out) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double acc = x[o * extent * inner + i];
                for (int e = 1; e < extent; e++) {
                    double v = x[(o * extent + e) * inner + i];
                    switch (op) {
                        case SUM: acc += v; break;
                        case MAX: acc = Math.max(acc, v); break;
                        case MIN: acc = Math.min(acc, v); break;
                        default: throw new IllegalArgumentException("reduce: no reference for " + op);
                    }
                }
                out[o * inner + i] = acc;
            }
        }
    }

    /** First index of the maximum along the middle axis; NaN counts as the maximum. */
    public static void argmax(double[] x, int outer, int extent, int inner, int[] out) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int best = 0;
                double bestValue = x[o * extent * inner + i];
                for (int e = 1; e < extent && !Double.isNaN(bestValue); e++) {
                    double v = x[(o * extent + e) * inner + i];
                    if (Double.isNaN(v) || v > bestValue) {
                        best = e;
                        bestValue = v;
                    }
                }
                out[o * inner + i] = best;
            }
        }
    }

    // ---------------------------------------------------------------- activations and softmax

    /** Row-wise softmax or log-softmax of {@code x (rows, cols)}, the row maximum subtracted first. */
    public static void softmaxForward(boolean log, double[] x, double[] y, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[o + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(x[o + c] - max);
            }
            double logSum = Math.log(sum);
            for (int c = 0; c < cols; c++) {
                y[o + c] = log ? x[o + c] - max - logSum : Math.exp(x[o + c] - max) / sum;
            }
        }
    }

    /**
     * From the forward output {@code y}: softmax {@code dx = y (dy - sum(dy y))}, log-softmax
     * {@code dx = dy - exp(y) sum(dy)}, sums per row.
     */
    public static void softmaxBackward(boolean log, double[] y, double[] dy, double[] dx, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += log ? dy[o + c] : dy[o + c] * y[o + c];
            }
            for (int c = 0; c < cols; c++) {
                dx[o + c] = log ? dy[o + c] - Math.exp(y[o + c]) * s : y[o + c] * (dy[o + c] - s);
            }
        }
    }

    /** {@code probs} = row softmax, {@code losses[r] = logsumexp(row) - row[labels[r]]}. */
    public static void softmaxCrossEntropyForward(double[] logits, int[] labels, double[] probs, double[] losses,
                                                  int rows, int classes) {
        softmaxForward(false, logits, probs, rows, classes);
        for (int r = 0; r < rows; r++) {
            int o = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[o + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[o + c] - max);
            }
            losses[r] = max + Math.log(sum) - logits[o + labels[r]];
        }
    }

    /** {@code dLogits[r, c] = dLosses[r] * (probs[r, c] - [c == labels[r]])}. */
    public static void softmaxCrossEntropyBackward(double[] probs, int[] labels, double[] dLosses, double[] dLogits,
                                                   int rows, int classes) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < classes; c++) {
                dLogits[r * classes + c] = dLosses[r] * (probs[r * classes + c] - (c == labels[r] ? 1 : 0));
            }
        }
    }

    // ---------------------------------------------------------------- indexing

    /** One-hot rows of {@code labels}. */
    public static void oneHot(int[] labels, double[] out, int rows, int classes) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < classes; c++) {
                out[r * classes + c] = c == labels[r] ? 1 : 0;
            }
        }
    }

    /** {@code dst[i, :] = src[indices[i], :]}. */
    public static void gatherRows(double[] src, int[] indices, double[] dst, int count, int rowLength) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(src, indices[i] * rowLength, dst, i * rowLength, rowLength);
        }
    }

    /** {@code dst[indices[i], :] += src[i, :]}; dst is not cleared. */
    public static void scatterAddRows(double[] src, int[] indices, double[] dst, int count, int rowLength) {
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < rowLength; j++) {
                dst[indices[i] * rowLength + j] += src[i * rowLength + j];
            }
        }
    }

    // ---------------------------------------------------------------- convolution

    /** {@code y = conv2d(x, w) + bias}, zero padding; {@code bias} may be null. */
    public static void conv2dForward(ConvGeometry g, double[] x, double[] w, double[] bias, double[] y) {
        int outH = g.outH();
        int outW = g.outW();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double sum = bias == null ? 0 : bias[oc];
                        for (int ic = 0; ic < g.inChannels(); ic++) {
                            for (int kh = 0; kh < g.kernelH(); kh++) {
                                int ih = oh * g.strideH() - g.padH() + kh;
                                for (int kw = 0; kw < g.kernelW(); kw++) {
                                    int iw = ow * g.strideW() - g.padW() + kw;
                                    if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                        sum += x[convInput(g, n, ic, ih, iw)] * w[convWeight(g, oc, ic, kh, kw)];
                                    }
                                }
                            }
                        }
                        y[((n * g.outChannels() + oc) * outH + oh) * outW + ow] = sum;
                    }
                }
            }
        }
    }

    /** Gradient with respect to the input; {@code dx} is overwritten. */
    public static void conv2dBackwardData(ConvGeometry g, double[] dy, double[] w, double[] dx) {
        java.util.Arrays.fill(dx, 0, g.inputSize(), 0);
        int outH = g.outH();
        int outW = g.outW();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double d = dy[((n * g.outChannels() + oc) * outH + oh) * outW + ow];
                        for (int ic = 0; ic < g.inChannels(); ic++) {
                            for (int kh = 0; kh < g.kernelH(); kh++) {
                                int ih = oh * g.strideH() - g.padH() + kh;
                                for (int kw = 0; kw < g.kernelW(); kw++) {
                                    int iw = ow * g.strideW() - g.padW() + kw;
                                    if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                        dx[convInput(g, n, ic, ih, iw)] += d * w[convWeight(g, oc, ic, kh, kw)];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Gradient with respect to the weight; {@code dw} is overwritten. */
    public static void conv2dBackwardWeight(ConvGeometry g, double[] x, double[] dy, double[] dw) {
        java.util.Arrays.fill(dw, 0, g.weightSize(), 0);
        int outH = g.outH();
        int outW = g.outW();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double d = dy[((n * g.outChannels() + oc) * outH + oh) * outW + ow];
                        for (int ic = 0; ic < g.inChannels(); ic++) {
                            for (int kh = 0; kh < g.kernelH(); kh++) {
                                int ih = oh * g.strideH() - g.padH() + kh;
                                for (int kw = 0; kw < g.kernelW(); kw++) {
                                    int iw = ow * g.strideW() - g.padW() + kw;
                                    if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                        dw[convWeight(g, oc, ic, kh, kw)] += d * x[convInput(g, n, ic, ih, iw)];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int convInput(ConvGeometry g, int n, int c, int h, int w) {
        return ((n * g.inChannels() + c) * g.inH() + h) * g.inW() + w;
    }

    private static int convWeight(ConvGeometry g, int oc, int ic, int kh, int kw) {
        return ((oc * g.inChannels() + ic) * g.kernelH() + kh) * g.kernelW() + kw;
    }

    // ---------------------------------------------------------------- pooling

    /**
     * Max pooling ignoring padded cells; {@code indices} gets the flat {@code h * inW + w} of the winner
     * within its plane, the first maximum in scan order winning ties.
     */
    public static void maxPool2dForward(PoolGeometry g, double[] x, double[] y, int[] indices) {
        int outH = g.outH();
        int outW = g.outW();
        int plane = g.inH() * g.inW();
        for (int nc = 0; nc < g.batch() * g.channels(); nc++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int bestIndex = -1;
                    for (int kh = 0; kh < g.kernelH(); kh++) {
                        int ih = oh * g.strideH() - g.padH() + kh;
                        for (int kw = 0; kw < g.kernelW(); kw++) {
                            int iw = ow * g.strideW() - g.padW() + kw;
                            if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                double v = x[nc * plane + ih * g.inW() + iw];
                                if (bestIndex < 0 || v > best) {
                                    best = v;
                                    bestIndex = ih * g.inW() + iw;
                                }
                            }
                        }
                    }
                    int o = (nc * outH + oh) * outW + ow;
                    y[o] = best;
                    indices[o] = bestIndex;
                }
            }
        }
    }

    /** Routes {@code dy} to the winners named by {@code indices}; {@code dx} is overwritten. */
    public static void maxPool2dBackward(PoolGeometry g, double[] dy, int[] indices, double[] dx) {
        java.util.Arrays.fill(dx, 0, g.inputSize(), 0);
        int outPlane = g.outH() * g.outW();
        int plane = g.inH() * g.inW();
        for (int nc = 0; nc < g.batch() * g.channels(); nc++) {
            for (int o = 0; o < outPlane; o++) {
                dx[nc * plane + indices[nc * outPlane + o]] += dy[nc * outPlane + o];
            }
        }
    }

    /** Average pooling; padded cells count as zeros, so the divisor is always {@code kernelH * kernelW}. */
    public static void avgPool2dForward(PoolGeometry g, double[] x, double[] y) {
        int outH = g.outH();
        int outW = g.outW();
        int plane = g.inH() * g.inW();
        double area = g.kernelH() * g.kernelW();
        for (int nc = 0; nc < g.batch() * g.channels(); nc++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    double sum = 0;
                    for (int kh = 0; kh < g.kernelH(); kh++) {
                        int ih = oh * g.strideH() - g.padH() + kh;
                        for (int kw = 0; kw < g.kernelW(); kw++) {
                            int iw = ow * g.strideW() - g.padW() + kw;
                            if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                sum += x[nc * plane + ih * g.inW() + iw];
                            }
                        }
                    }
                    y[(nc * outH + oh) * outW + ow] = sum / area;
                }
            }
        }
    }

    /** Gradient of average pooling: each input cell gets {@code dy / (kernelH kernelW)} of every window holding it. */
    public static void avgPool2dBackward(PoolGeometry g, double[] dy, double[] dx) {
        java.util.Arrays.fill(dx, 0, g.inputSize(), 0);
        int outH = g.outH();
        int outW = g.outW();
        int plane = g.inH() * g.inW();
        double area = g.kernelH() * g.kernelW();
        for (int nc = 0; nc < g.batch() * g.channels(); nc++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    double d = dy[(nc * outH + oh) * outW + ow] / area;
                    for (int kh = 0; kh < g.kernelH(); kh++) {
                        int ih = oh * g.strideH() - g.padH() + kh;
                        for (int kw = 0; kw < g.kernelW(); kw++) {
                            int iw = ow * g.strideW() - g.padW() + kw;
                            if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                dx[nc * plane + ih * g.inW() + iw] += d;
                            }
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- optimizers

    /** One SGD step in place with PyTorch's rule (see {@link SgdParams}); {@code velocity} may be null without momentum. */
    public static void sgdUpdate(double[] param, double[] grad, double[] velocity, int n, SgdParams p) {
        for (int i = 0; i < n; i++) {
            double g = grad[i] + (double) p.weightDecay() * param[i];
            if (p.momentum() != 0) {
                double v = p.firstStep() ? g : (double) p.momentum() * velocity[i] + (1 - (double) p.dampening()) * g;
                velocity[i] = v;
                g = p.nesterov() ? g + (double) p.momentum() * v : v;
            }
            param[i] -= (double) p.lr() * g;
        }
    }

    /** One Adam or AdamW step in place with PyTorch's rule (see {@link AdamParams}). */
    public static void adamUpdate(double[] param, double[] grad, double[] m, double[] v, int n, AdamParams p) {
        double lr = p.lr();
        double beta1 = p.beta1();
        double beta2 = p.beta2();
        double wd = p.weightDecay();
        double correction1 = 1 - Math.pow(beta1, p.step());
        double correction2 = 1 - Math.pow(beta2, p.step());
        for (int i = 0; i < n; i++) {
            double g = grad[i];
            if (p.decoupled()) {
                param[i] *= 1 - lr * wd;
            } else {
                g += wd * param[i];
            }
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            double mHat = m[i] / correction1;
            double vHat = v[i] / correction2;
            param[i] -= lr * mHat / (Math.sqrt(vHat) + p.eps());
        }
    }

    // ---------------------------------------------------------------- normalization

    /**
     * Each row of {@code x (rows, cols)} normalized: {@code y = (x - mean) * rstd * w + b}, {@code rstd =
     * 1 / sqrt(var + eps)} with the biased variance; {@code w}, {@code b} null for ones and zeros.
     */
    public static void layerNormForward(double[] x, double[] w, double[] b, double[] y, double[] mean, double[] rstd,
                                        int rows, int cols, double eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double m = 0;
            for (int c = 0; c < cols; c++) {
                m += x[o + c];
            }
            m /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                var += (x[o + c] - m) * (x[o + c] - m);
            }
            var /= cols;
            double rs = 1 / Math.sqrt(var + eps);
            mean[r] = m;
            rstd[r] = rs;
            for (int c = 0; c < cols; c++) {
                y[o + c] = (x[o + c] - m) * rs * (w == null ? 1 : w[c]) + (b == null ? 0 : b[c]);
            }
        }
    }

    /**
     * From the saved {@code mean} and {@code rstd}: {@code dx = rstd (g - mean(g) - xhat mean(g xhat))} with
     * {@code g = dy w}; {@code dw = sum_rows dy xhat}, {@code db = sum_rows dy}; null outputs are skipped.
     */
    public static void layerNormBackward(double[] x, double[] w, double[] mean, double[] rstd, double[] dy,
                                         double[] dx, double[] dw, double[] db, int rows, int cols) {
        if (dw != null) {
            java.util.Arrays.fill(dw, 0, cols, 0);
        }
        if (db != null) {
            java.util.Arrays.fill(db, 0, cols, 0);
        }
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double gMean = 0;
            double gxMean = 0;
            for (int c = 0; c < cols; c++) {
                double xhat = (x[o + c] - mean[r]) * rstd[r];
                double g = dy[o + c] * (w == null ? 1 : w[c]);
                gMean += g;
                gxMean += g * xhat;
                if (dw != null) {
                    dw[c] += dy[o + c] * xhat;
                }
                if (db != null) {
                    db[c] += dy[o + c];
                }
            }
            gMean /= cols;
            gxMean /= cols;
            if (dx != null) {
                for (int c = 0; c < cols; c++) {
                    double xhat = (x[o + c] - mean[r]) * rstd[r];
                    double g = dy[o + c] * (w == null ? 1 : w[c]);
                    dx[o + c] = rstd[r] * (g - gMean - xhat * gxMean);
                }
            }
        }
    }

    /**
     * Batch normalization of {@code x (batch, channels, inner)} as {@link BatchNormParams} says; in training the
     * running statistics (when not null) move towards the batch's mean and unbiased variance.
     */
    public static void batchNormForward(BatchNormParams p, double[] x, double[] w, double[] b, double[] runningMean,
                                        double[] runningVar, double[] y, double[] saveMean, double[] saveInvStd) {
        int count = p.count();
        for (int c = 0; c < p.channels(); c++) {
            double m;
            double var;
            if (p.training()) {
                m = 0;
                for (int n = 0; n < p.batch(); n++) {
                    for (int i = 0; i < p.inner(); i++) {
                        m += x[(n * p.channels() + c) * p.inner() + i];
                    }
                }
                m /= count;
                var = 0;
                for (int n = 0; n < p.batch(); n++) {
                    for (int i = 0; i < p.inner(); i++) {
                        double d = x[(n * p.channels() + c) * p.inner() + i] - m;
                        var += d * d;
                    }
                }
                var /= count;
                if (runningMean != null) {
                    runningMean[c] = (1 - (double) p.momentum()) * runningMean[c] + p.momentum() * m;
                }
                if (runningVar != null) {
                    double unbiased = count > 1 ? var * count / (count - 1) : Double.NaN;
                    runningVar[c] = (1 - (double) p.momentum()) * runningVar[c] + p.momentum() * unbiased;
                }
            } else {
                m = runningMean[c];
                var = runningVar[c];
            }
            double invStd = 1 / Math.sqrt(var + p.eps());
            saveMean[c] = m;
            saveInvStd[c] = invStd;
            for (int n = 0; n < p.batch(); n++) {
                for (int i = 0; i < p.inner(); i++) {
                    int at = (n * p.channels() + c) * p.inner() + i;
                    y[at] = (x[at] - m) * invStd * (w == null ? 1 : w[c]) + (b == null ? 0 : b[c]);
                }
            }
        }
    }

    /** Gradients of {@link #batchNormForward} from the saved statistics; null outputs are skipped. */
    public static void batchNormBackward(BatchNormParams p, double[] x, double[] w, double[] saveMean,
                                         double[] saveInvStd, double[] dy, double[] dx, double[] dw, double[] db) {
        int count = p.count();
        for (int c = 0; c < p.channels(); c++) {
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int n = 0; n < p.batch(); n++) {
                for (int i = 0; i < p.inner(); i++) {
                    int at = (n * p.channels() + c) * p.inner() + i;
                    sumDy += dy[at];
                    sumDyXhat += dy[at] * (x[at] - saveMean[c]) * saveInvStd[c];
                }
            }
            if (dw != null) {
                dw[c] = sumDyXhat;
            }
            if (db != null) {
                db[c] = sumDy;
            }
            if (dx == null) {
                continue;
            }
            double scale = (w == null ? 1 : w[c]) * saveInvStd[c];
            for (int n = 0; n < p.batch(); n++) {
                for (int i = 0; i < p.inner(); i++) {
                    int at = (n * p.channels() + c) * p.inner() + i;
                    double xhat = (x[at] - saveMean[c]) * saveInvStd[c];
                    dx[at] = p.training() ? scale * (dy[at] - sumDy / count - xhat * sumDyXhat / count)
                            : scale * dy[at];
                }
            }
        }
    }

    // ---------------------------------------------------------------- attention

    /**
     * The scores of row i of one (b, h) matrix: {@code scale * q_i . k_j + mask[i, j]}, {@code -inf} where causal
     * masks them.
     */
    static double[] attentionScores(Attention a, double[] q, double[] k, double[] mask, int b, int h, int i) {
        double[] s = new double[a.keys()];
        int qi = a.q().at(b, h, i);
        for (int j = 0; j < a.keys(); j++) {
            if (a.masked(i, j)) {
                s[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            int kj = a.k().at(b, h, j);
            double dot = 0;
            for (int d = 0; d < a.headDim(); d++) {
                dot += q[qi + d] * k[kj + d];
            }
            s[j] = a.scale() * dot + (mask == null ? 0 : mask[a.mask().at(b, h, i) + j]);
        }
        return s;
    }

    /** {@code out = softmax(scale Q K^T + M) V} per (b, h), and {@code lse} per row; arrays are whole buffers. */
    public static void attentionForward(Attention a, double[] q, double[] k, double[] v, double[] mask, double[] out,
                                        double[] lse) {
        for (int b = 0; b < a.batch(); b++) {
            for (int h = 0; h < a.heads(); h++) {
                for (int i = 0; i < a.queries(); i++) {
                    double[] s = attentionScores(a, q, k, mask, b, h, i);
                    double max = Double.NEGATIVE_INFINITY;
                    for (double x : s) {
                        max = Math.max(max, x);
                    }
                    double sum = 0;
                    for (double x : s) {
                        sum += Math.exp(x - max);
                    }
                    int oi = a.out().at(b, h, i);
                    for (int e = 0; e < a.valueDim(); e++) {
                        double acc = 0;
                        for (int j = 0; j < a.keys(); j++) {
                            acc += Math.exp(s[j] - max) / sum * v[a.v().at(b, h, j) + e];
                        }
                        out[oi + e] = acc;
                    }
                    lse[(b * a.heads() + h) * a.queries() + i] = max + Math.log(sum);
                }
            }
        }
    }

    /**
     * Gradients of attention, P recomputed from the saved {@code lse} and {@code rowsum(dOut * out)} taken from the
     * saved output, as the backends do; {@code dq}, {@code dk}, {@code dv} are whole buffers laid out by
     * {@code dqAt}, {@code dkAt}, {@code dvAt}, written only at their elements.
     */
    public static void attentionBackward(Attention a, double[] q, double[] k, double[] v, double[] mask, double[] out,
                                         double[] lse, Attention.Operand dOutAt, double[] dOut,
                                         Attention.Operand dqAt, double[] dq, Attention.Operand dkAt, double[] dk,
                                         Attention.Operand dvAt, double[] dv) {
        for (int b = 0; b < a.batch(); b++) {
            for (int h = 0; h < a.heads(); h++) {
                double[][] dkAcc = new double[a.keys()][a.headDim()];
                double[][] dvAcc = new double[a.keys()][a.valueDim()];
                for (int i = 0; i < a.queries(); i++) {
                    double[] s = attentionScores(a, q, k, mask, b, h, i);
                    double l = lse[(b * a.heads() + h) * a.queries() + i];
                    int oi = a.out().at(b, h, i);
                    int gi = dOutAt.at(b, h, i);
                    double rowDot = 0;
                    for (int e = 0; e < a.valueDim(); e++) {
                        rowDot += dOut[gi + e] * out[oi + e];
                    }
                    double[] dqRow = new double[a.headDim()];
                    for (int j = 0; j < a.keys(); j++) {
                        double pij = Math.exp(s[j] - l);
                        int vj = a.v().at(b, h, j);
                        double dp = 0;
                        for (int e = 0; e < a.valueDim(); e++) {
                            dp += dOut[gi + e] * v[vj + e];
                            dvAcc[j][e] += pij * dOut[gi + e];
                        }
                        double ds = pij * (dp - rowDot) * a.scale();
                        int kj = a.k().at(b, h, j);
                        int qi = a.q().at(b, h, i);
                        for (int d = 0; d < a.headDim(); d++) {
                            dqRow[d] += ds * k[kj + d];
                            dkAcc[j][d] += ds * q[qi + d];
                        }
                    }
                    System.arraycopy(dqRow, 0, dq, dqAt.at(b, h, i), a.headDim());
                }
                for (int j = 0; j < a.keys(); j++) {
                    System.arraycopy(dkAcc[j], 0, dk, dkAt.at(b, h, j), a.headDim());
                    System.arraycopy(dvAcc[j], 0, dv, dvAt.at(b, h, j), a.valueDim());
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Row-major strides of {@code dims}. */
    public static int[] rowMajorStrides(int[] dims) {
        int[] strides = new int[dims.length];
        int s = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            strides[d] = s;
            s *= dims[d];
        }
        return strides;
    }

    /** Number of elements of {@code dims} (1 for a scalar). */
    public static int product(int[] dims) {
        int p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }

    /** Every element widened to double. */
    public static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** Every element's absolute value, for error bounds of sums. */
    public static double[] abs(double[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = Math.abs(x[i]);
        }
        return d;
    }

    /** Every element rounded to float32. */
    public static float[] narrow(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    private static void increment(int[] idx, int[] dims) {
        for (int d = dims.length - 1; d >= 0; d--) {
            if (++idx[d] < dims[d]) {
                return;
            }
            idx[d] = 0;
        }
    }
}

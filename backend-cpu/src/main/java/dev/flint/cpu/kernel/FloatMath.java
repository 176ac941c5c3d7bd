package dev.flint.cpu.kernel;

/**
 * {@code e^x} and {@code tanh(x)} in float, a few times faster than {@link Math#exp} and
 * {@link Math#tanh} (which work in double; {@code Math.tanh} is not even an intrinsic and costs about
 * 35 ns), with errors of at most 1 and 2 ulp. Softmax, sigmoid and tanh spend most of their time here.
 *
 * <pre>{@code
 * float y = FloatMath.exp(x);    // like (float) Math.exp(x), NaN, infinities and underflow included
 * float t = FloatMath.tanh(x);   // like (float) Math.tanh(x)
 * double sum = FloatMath.expShiftSum(x, 0, y, 0, n, max);   // y = e^(x - max), a whole row at once
 * }</pre>
 *
 * <p>The array loops (row max, {@code e^(x - shift)} with its sum, exp, sigmoid, tanh, scale) run on
 * {@link VectorExp}, the same formulas one SIMD register at a time, when {@code jdk.incubator.vector}
 * is present (about 11x per element on AVX-512); without it they are the scalar loops. JDK 17's C2 does not vectorize
 * the scalar exp, even written branch-free with a magic-number round (measured: no faster).
 *
 * <p>Both follow Cephes ({@code expf}, {@code tanhf}). exp: with {@code n = round(x / ln 2)} and
 * {@code r = x - n ln 2} (ln 2 split in two so that {@code n * LN2_HI} is exact), {@code e^x = 2^n e^r}
 * and {@code e^r} is a degree-7 polynomial on {@code |r| <= ln(2) / 2}. The power of two is applied as
 * two halves, so every n the float range needs (-150 to 128) is a normal float and subnormal results
 * round once. tanh: an odd polynomial below 0.625, where {@code 1 - 2 / (e^2x + 1)} would cancel, and
 * that formula above; both are computed and one is picked with a bit mask, because which side of 0.625
 * an activation falls on is a coin flip for a branch predictor.
 */
final class FloatMath {
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 = LN2_HI + LN2_LO, LN2_HI with few enough bits that n * LN2_HI is exact. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Above this e^x overflows float; below UNDERFLOW it rounds to 0. */
    private static final float OVERFLOW = 88.72283935546875f;
    private static final float UNDERFLOW = -103.97208f;
    private static final float TANH_SMALL = 0.625f;

    /** The system property that, set to {@code false}, keeps the array loops on the scalar code. */
    static final String PROPERTY = "flint.cpu.vector";
    /**
     * Whether the array loops below run on {@link VectorExp}: the same test as the GEMM kernel choice
     * ({@code dev.flint.cpu.gemm.VectorSupport}), module in the boot layer and the property not "false".
     * {@link VectorExp} is named only on branches guarded by this constant, so it never loads otherwise.
     */
    static final boolean VECTOR = vectorUsable(System.getProperty(PROPERTY),
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());

    private FloatMath() {
    }

    static boolean vectorUsable(String property, boolean modulePresent) {
        return modulePresent && (property == null || !"false".equalsIgnoreCase(property.trim()));
    }

    /**
     * {@code y[yOff + i] = exp(x[xOff + i] - shift)} for {@code i < n}, returning their sum (added in
     * double, in blocks of float partial sums on the vector path). {@code x} and {@code y} may be the
     * same array; a null {@code y} stores nothing and only sums.
     */
    static double expShiftSum(float[] x, int xOff, float[] y, int yOff, int n, float shift) {
        if (VECTOR) {
            return VectorExp.expShiftSum(x, xOff, y, yOff, n, shift);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = exp(x[xOff + i] - shift);
            if (y != null) {
                y[yOff + i] = e;
            }
            sum += e;
        }
        return sum;
    }

    /** {@code y[i] = exp(x[i])} for {@code from <= i < to}. */
    static void exp(float[] x, float[] y, int from, int to) {
        if (VECTOR) {
            VectorExp.exp(x, y, from, to);
            return;
        }
        for (int i = from; i < to; i++) {
            y[i] = exp(x[i]);
        }
    }

    /** {@code y[i] = exp(x[xOff + i])} for {@code i < n}. */
    static void exp(float[] x, int xOff, float[] y, int n) {
        if (VECTOR) {
            VectorExp.exp(x, xOff, y, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[i] = exp(x[xOff + i]);
        }
    }

    /** {@code y[i] = tanh(x[i])} for {@code from <= i < to}. */
    static void tanh(float[] x, float[] y, int from, int to) {
        if (VECTOR) {
            VectorExp.tanh(x, y, from, to);
            return;
        }
        for (int i = from; i < to; i++) {
            y[i] = tanh(x[i]);
        }
    }

    /** {@code y[i] = 1 / (1 + exp(-x[i]))} for {@code from <= i < to}. */
    static void sigmoid(float[] x, float[] y, int from, int to) {
        if (VECTOR) {
            VectorExp.sigmoid(x, y, from, to);
            return;
        }
        for (int i = from; i < to; i++) {
            // exp(-x) overflows to +inf for x < -88, giving exactly 0: no special case needed.
            y[i] = 1f / (1f + exp(-x[i]));
        }
    }

    /** The largest of {@code x[off .. off + n)}, NaN if any is NaN; {@code n >= 1}. */
    static float max(float[] x, int off, int n) {
        if (VECTOR) {
            return VectorExp.max(x, off, n);
        }
        float max = x[off];
        for (int c = 1; c < n; c++) {
            max = Math.max(max, x[off + c]);
        }
        return max;
    }

    /** {@code y[off + i] = (x[off + i] - a) - b} for {@code i < n}, rounded twice as written. */
    static void subSub(float[] x, float[] y, int off, int n, float a, float b) {
        if (VECTOR) {
            VectorExp.subSub(x, y, off, n, a, b);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[off + i] = (x[off + i] - a) - b;
        }
    }

    /**
     * The sum of {@code a[off + i] * b[off + i]} for {@code i < n}, or of {@code a[off + i]} when b is
     * null. The scalar loop adds in double, one element at a time; the vector path forms float partial
     * sums a block at a time (a double add chain is latency-bound: 4096 x 4096 softmax backward spent
     * most of its 10 ms in it).
     */
    static double dot(float[] a, float[] b, int off, int n) {
        if (VECTOR) {
            return VectorExp.dot(a, b, off, n);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += b == null ? a[off + i] : (double) a[off + i] * b[off + i];
        }
        return sum;
    }

    /** The sum of {@code (x[off + i] - m)^2} for {@code i < n}; the scalar loop adds in double. */
    static double sumSquaredDiff(float[] x, int off, int n, float m) {
        if (VECTOR) {
            return VectorExp.sumSquaredDiff(x, off, n, m);
        }
        double sq = 0;
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - m;
            sq += d * d;
        }
        return sq;
    }

    /** {@code y[off + c] = (x[off + c] - m) * rs * w[c] + b[c]} for {@code c < n}, rounded as written. */
    static void normalizeRow(float[] x, float[] y, int off, int n, float m, float rs, float[] w, float[] b) {
        if (VECTOR) {
            VectorExp.normalizeRow(x, y, off, n, m, rs, w, b);
            return;
        }
        for (int c = 0; c < n; c++) {
            y[off + c] = (x[off + c] - m) * rs * w[c] + b[c];
        }
    }

    /**
     * Layer norm's row sums for the input gradient: {@code sums[0] = sum g}, {@code sums[1] = sum g xhat}
     * with {@code g = dy[off + c] w[c]}, {@code xhat = (x[off + c] - m) rs}.
     */
    static void layerNormGradSums(float[] x, float[] dy, float[] w, int off, int n, float m, float rs,
                                  double[] sums) {
        if (VECTOR) {
            VectorExp.layerNormGradSums(x, dy, w, off, n, m, rs, sums);
            return;
        }
        double gSum = 0;
        double gxSum = 0;
        for (int c = 0; c < n; c++) {
            float g = dy[off + c] * w[c];
            gSum += g;
            gxSum += g * ((x[off + c] - m) * rs);
        }
        sums[0] = gSum;
        sums[1] = gxSum;
    }

    /** Layer norm's input gradient for one row, {@code dx = rs (g - gMean - xhat gxMean)}, rounded as written. */
    static void layerNormGradRow(float[] x, float[] dy, float[] w, float[] dx, int off, int n, float m, float rs,
                                 float gMean, float gxMean) {
        if (VECTOR) {
            VectorExp.layerNormGradRow(x, dy, w, dx, off, n, m, rs, gMean, gxMean);
            return;
        }
        for (int c = 0; c < n; c++) {
            float g = dy[off + c] * w[c];
            float xhat = (x[off + c] - m) * rs;
            dx[off + c] = rs * (g - gMean - xhat * gxMean);
        }
    }

    /**
     * Softmax's gradient for rows {@code r0 <= r < r1} of {@code (rows, n)} matrices: {@code dx = y (dy -
     * s)}, {@code s = (float) dot(dy, y)} of the row; the same bits as {@link #dot} then
     * {@link #softmaxGrad} per row, which the scalar path calls.
     */
    static void softmaxGradRows(float[] y, float[] dy, float[] dx, int r0, int r1, int n) {
        if (VECTOR) {
            VectorExp.softmaxGradRows(y, dy, dx, r0, r1, n);
            return;
        }
        for (int r = r0; r < r1; r++) {
            int off = r * n;
            softmaxGrad(y, dy, dx, off, n, (float) dot(dy, y, off, n));
        }
    }

    /** Softmax's gradient from its output: {@code dx = y (dy - s)} over {@code [off, off + n)}. */
    static void softmaxGrad(float[] y, float[] dy, float[] dx, int off, int n, float s) {
        if (VECTOR) {
            VectorExp.softmaxGrad(y, dy, dx, off, n, s);
            return;
        }
        for (int i = off; i < off + n; i++) {
            dx[i] = y[i] * (dy[i] - s);
        }
    }

    /**
     * Log-softmax's gradient from its output: {@code dx = dy - e^y s} over {@code [off, off + n)}; dx
     * may be dy or y (each element is read before it is written).
     */
    static void logSoftmaxGrad(float[] y, float[] dy, float[] dx, int off, int n, float s) {
        if (VECTOR) {
            VectorExp.logSoftmaxGrad(y, dy, dx, off, n, s);
            return;
        }
        for (int i = off; i < off + n; i++) {
            dx[i] = dy[i] - exp(y[i]) * s;
        }
    }

    /**
     * ReLU's gradient {@code dx[i] = x[i] > 0 ? dy[i] : 0} over {@code [from, to)}: on the Vector API
     * when present (C2 on JDK 17 leaves the scalar bit-mask loop unvectorized: 16M elements took 8.8 ms
     * on one thread here, at memory speed it takes about 4), else that loop ({@link FloatOrder}: no
     * branch on the coin-flip sign).
     */
    static void reluGrad(float[] x, float[] dy, float[] dx, int from, int to) {
        if (VECTOR) {
            VectorExp.reluGrad(x, dy, dx, from, to);
            return;
        }
        for (int i = from; i < to; i++) {
            dx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & FloatOrder.positive(x[i]));
        }
    }

    /** {@code y[off + i] *= s} for {@code i < n}. */
    static void scale(float[] y, int off, int n, float s) {
        if (VECTOR) {
            VectorExp.scale(y, off, n, s);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[off + i] *= s;
        }
    }

    /** {@code e^x} within 1 ulp (measured over every float in [-104, 89]). */
    static float exp(float x) {
        if (!(x > UNDERFLOW)) {
            return x != x ? x : 0f;
        }
        if (x > OVERFLOW) {
            return Float.POSITIVE_INFINITY;
        }
        float n = (float) Math.floor(x * LOG2E + 0.5f);
        float r = x - n * LN2_HI - n * LN2_LO;
        float p = (((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r
                + 4.1665795894E-2f) * r + 1.6666665459E-1f) * r + 5.0000001201E-1f) * (r * r) + r + 1f;
        int k = (int) n;
        int half = k >> 1;
        return p * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((k - half + 127) << 23);
    }

    /** {@code tanh(x)} within 2 ulp; NaN stays NaN, {@code -0} stays {@code -0}. */
    static float tanh(float x) {
        float a = Math.abs(x);
        float z = x * x;
        // odd, so computed on |x| and signed after: x + x * (...) would turn -0 into +0
        float small = Math.copySign(a + a * (z * ((((-5.70498872745E-3f * z + 2.06390887954E-2f) * z
                - 5.37397155531E-2f) * z + 1.33314422036E-1f) * z - 3.33332819422E-1f)), x);
        // e^(2a) overflows to +inf for large a, giving exactly 1
        float large = Math.copySign(1f - 2f / (exp(a + a) + 1f), x);
        int useSmall = FloatOrder.less(FloatOrder.key(Float.floatToRawIntBits(a)),
                FloatOrder.key(Float.floatToRawIntBits(TANH_SMALL)));
        return Float.intBitsToFloat((Float.floatToRawIntBits(small) & useSmall)
                | (Float.floatToRawIntBits(large) & ~useSmall));
    }

    /**
     * The error function, within about 1.2e-7 of erf (a fraction of a float ulp near 1): the Chebyshev
     * fit of erfc from Numerical Recipes ({@code erfcc}), evaluated in double and rounded once.
     */
    static float erf(float x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        double r = 1.0 - erfc;
        return x != x ? x : (float) (x < 0 ? -r : r);
    }
}

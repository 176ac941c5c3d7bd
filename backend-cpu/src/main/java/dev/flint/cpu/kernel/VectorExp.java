package dev.flint.cpu.kernel;

import dev.flint.cpu.gemm.LaneSums;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The array loops of {@link FloatMath} written with the Vector API: the same Cephes {@code expf} as
 * {@link FloatMath#exp}, one SIMD register of lanes at a time. Only {@link FloatMath} touches this
 * class, and only after checking that {@code jdk.incubator.vector} is in the boot layer, so a JVM
 * without the module never loads it.
 *
 * <pre>{@code
 * double sum = VectorExp.expShiftSum(x, off, y, off, cols, max);   // y = e^(x - max), sum of y
 * }</pre>
 *
 * <p>{@code n = round(x / ln 2)} comes from the round-to-nearest of adding {@code 1.5 * 2^23}: the
 * low bits of that sum are {@code n} itself, so no float-to-int conversion is needed, and
 * {@code 2^n} is built as two halves by shifting those bits into the exponent field, exactly as the
 * scalar version does. The polynomial uses fused multiply-adds, which only removes roundings.
 *
 * <p>No method here takes or returns a vector: each loop is whole in one method, and a function of
 * exp (sigmoid, tanh, GELU) first runs {@link #expShifted} over a block of scratch, then a second loop.
 * On JDK 17, C2 only keeps a vector in a register while every Vector API call on it is inlined into
 * one compilation. A helper of ours such as {@code exp(FloatVector)} breaks that in ways that depend on
 * what ran first: if it got its own C2 compilation before its caller did, C2 refuses to inline it
 * ("already compiled into a big method"); inlined into a loop that already holds a dozen vector
 * operations, it passes C2's node budget ("NodeCountInliningCutoff"). Either way vectors are boxed at
 * the call, the intrinsics that receive them give up, and the Vector API's scalar fallback runs:
 * GELU in the GPT step ran 10x slower than alone. JDK methods carry {@code @ForceInline}; ours cannot.
 */
final class VectorExp {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float OVERFLOW = 88.72283935546875f;
    private static final float UNDERFLOW = -103.97208f;
    /** 1.5 * 2^23: adding it rounds to an integer, which then sits in the low mantissa bits. */
    private static final float SHIFTER = 12582912f;
    private static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    /** Partial sums are moved into double every this many elements, so float rounding never piles up. */
    private static final int SUM_BLOCK = 256;
    /** Elements per block of the loops that run exp over scratch first: 2 KiB, in L1 beside the inputs. */
    static final int BLOCK = 512;
    /**
     * The index mod 16 at which a large float[]'s elements sit on a 64-byte boundary in HotSpot's
     * usual layout: G1 starts an array of half a region or more (a few MiB) on a region boundary and
     * its elements 16 bytes after it (12-byte header with compressed class pointers, 4-byte length).
     * The streaming loops below start their vectors there, so that no load or store of a 512-bit
     * vector straddles two cache lines (each such access costs two): measured on Zen 5, softmax's
     * gradient over 4096 x 4096 ran 4.0 ms instead of 4.8. Java cannot ask an array's address, so
     * elsewhere (small arrays, another collector or header layout) this is a guess that costs a
     * few scalar iterations per row and gains nothing; results never depend on it beyond the
     * summation order of the head, which depends on the index alone.
     */
    private static final int ALIGNED_INDEX = 12;

    private VectorExp() {
    }

    /** Lanes per vector, for tests and the log line. */
    static int lanes() {
        return S.length();
    }

    /** Elements of {@code [off, off + n)} before the first index at which a vector is aligned (see ALIGNED_INDEX). */
    static int head(int off, int n) {
        return Math.min(n, (ALIGNED_INDEX - off) & (S.length() - 1));
    }

    /**
     * {@code y[yOff + i] = e^(x[xOff + i] - shift)} for {@code i < n}, with the special cases of
     * {@link FloatMath#exp}; x and y may be the same array at the same offset. The only loop that holds
     * the exp polynomial: every other exp below runs it over a block of a scratch array.
     */
    static void expShifted(float[] x, int xOff, float shift, float[] y, int yOff, int n) {
        // No clamp on the input: out of (UNDERFLOW, OVERFLOW] the lanes below compute garbage that the
        // two blends at the end replace, and NaN stays NaN through every step. Java's float min/max
        // (NaN and -0 rules) cost several instructions each and made the whole exp 1.7x slower.
        // x - 0 is x for every float (-0 included), so plain exp pays one subtraction for sharing this.
        int len = S.length();
        int i = head(yOff, n);
        for (int h = 0; h < i; h++) {
            y[yOff + h] = FloatMath.exp(x[xOff + h] - shift);
        }
        for (int end = i + S.loopBound(n - i); i < end; i += len) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i).sub(shift);
            FloatVector t = v.fma(LOG2E, SHIFTER);
            FloatVector k = t.sub(SHIFTER);
            FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), v);
            r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f);
            p = p.fma(r, FloatVector.broadcast(S, 8.3334519073E-3f));
            p = p.fma(r, FloatVector.broadcast(S, 4.1665795894E-2f));
            p = p.fma(r, FloatVector.broadcast(S, 1.6666665459E-1f));
            p = p.fma(r, FloatVector.broadcast(S, 5.0000001201E-1f));
            p = p.fma(r.mul(r), r).add(1f);
            IntVector n2 = t.reinterpretAsInts().sub(SHIFTER_BITS);
            IntVector half = n2.lanewise(VectorOperators.ASHR, 1);
            FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = n2.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(s1).mul(s2);
            VectorMask<Float> over = v.compare(VectorOperators.GT, OVERFLOW);
            VectorMask<Float> under = v.compare(VectorOperators.LE, UNDERFLOW);
            e.blend(Float.POSITIVE_INFINITY, over).blend(0f, under).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = FloatMath.exp(x[xOff + i] - shift);
        }
    }

    /** {@code y[yOff + i] = e^(x[xOff + i] - shift)} for {@code i < n} (unless y is null); returns the sum. */
    static double expShiftSum(float[] x, int xOff, float[] y, int yOff, int n, float shift) {
        if (y != null) {
            expShifted(x, xOff, shift, y, yOff, n);
            return sum(0, y, yOff, n);
        }
        // The same sum, bit for bit, as storing at yOff == xOff: the same scalar head, then blocks
        // from the aligned index, parked at an aligned offset of the scratch so that no block has a head.
        float[] block = Scratch.floats(Scratch.BLOCKS, ALIGNED_INDEX + SUM_BLOCK);
        double sum = 0;
        int h = head(xOff, n);
        for (int i = 0; i < h; i++) {
            sum += FloatMath.exp(x[xOff + i] - shift);
        }
        for (int b = h; b < n; b += SUM_BLOCK) {
            int m = Math.min(SUM_BLOCK, n - b);
            expShifted(x, xOff + b, shift, block, ALIGNED_INDEX, m);
            sum = sum(sum, block, ALIGNED_INDEX, m);
        }
        return sum;
    }

    /**
     * {@code sum} plus {@code a[off + i]} for {@code i < n}: the {@link #head} one at a time in double,
     * then one vector of float partial sums per {@value #SUM_BLOCK} elements, each moved into double,
     * then the tail one at a time in double.
     */
    private static double sum(double sum, float[] a, int off, int n) {
        int len = S.length();
        int i = head(off, n);
        for (int h = 0; h < i; h++) {
            sum += a[off + h];
        }
        int vecEnd = i + S.loopBound(n - i);
        while (i < vecEnd) {
            int blockEnd = Math.min(vecEnd, i + SUM_BLOCK);
            FloatVector acc = FloatVector.zero(S);
            for (; i < blockEnd; i += len) {
                acc = acc.add(FloatVector.fromArray(S, a, off + i));
            }
            sum += LaneSums.sum(acc);
        }
        for (; i < n; i++) {
            sum += a[off + i];
        }
        return sum;
    }

    /**
     * {@code y[yOff + i] = e^x[xOff + i]} for {@code i < n}, every element through the vector lanes: blocks
     * are copied to an aligned, zero-padded scratch block first, so no element takes the scalar head or
     * tail, and an element's bits depend on its value alone, not on where the range starts or ends (the
     * scalar exponential can differ from the lanes in the last bit near underflow). x may be y.
     */
    static void expEveryLane(float[] x, int xOff, float[] y, int yOff, int n) {
        int len = S.length();
        float[] block = Scratch.floats(Scratch.BLOCKS, ALIGNED_INDEX + SUM_BLOCK);
        for (int b = 0; b < n; b += SUM_BLOCK) {
            int m = Math.min(SUM_BLOCK, n - b);
            int padded = (m + len - 1) / len * len;
            System.arraycopy(x, xOff + b, block, ALIGNED_INDEX, m);
            Arrays.fill(block, ALIGNED_INDEX + m, ALIGNED_INDEX + padded, 0f);
            expShifted(block, ALIGNED_INDEX, 0f, block, ALIGNED_INDEX, padded);
            System.arraycopy(block, ALIGNED_INDEX, y, yOff + b, m);
        }
    }

    /** {@code y[i] = e^x[i]} for {@code from <= i < to}. */
    static void exp(float[] x, float[] y, int from, int to) {
        expShifted(x, from, 0f, y, from, to - from);
    }

    /** {@code y[i] = e^x[xOff + i]} for {@code i < n}. */
    static void exp(float[] x, int xOff, float[] y, int n) {
        expShifted(x, xOff, 0f, y, 0, n);
    }

    /** {@code y[i] = 1 / (1 + e^-x[i])} for {@code from <= i < to}, a block at a time. */
    static void sigmoid(float[] x, float[] y, int from, int to) {
        float[] e = Scratch.floats(Scratch.BLOCKS, BLOCK);
        int len = S.length();
        for (int b = from; b < to; b += BLOCK) {
            int m = Math.min(BLOCK, to - b);
            int i = 0;
            for (int end = S.loopBound(m); i < end; i += len) {
                FloatVector.fromArray(S, x, b + i).neg().intoArray(e, i);
            }
            for (; i < m; i++) {
                e[i] = -x[b + i];
            }
            expShifted(e, 0, 0f, e, 0, m);
            i = 0;
            for (int end = S.loopBound(m); i < end; i += len) {
                FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, e, i).add(1f)).intoArray(y, b + i);
            }
            for (; i < m; i++) {
                y[b + i] = 1f / (1f + e[i]);
            }
        }
    }

    /**
     * {@code y[i] = tanh(x[i])} for {@code from <= i < to}, as {@link FloatMath#tanh}: the odd polynomial
     * below 0.625, {@code 1 - 2 / (e^2|x| + 1)} above, the sign put back from the input's bits (so
     * {@code -0} stays {@code -0}; NaN fails the comparison, takes the exp side and stays NaN). A block
     * at a time: {@code e^2|x|} first, into scratch, then the rest.
     */
    static void tanh(float[] x, float[] y, int from, int to) {
        float[] e = Scratch.floats(Scratch.BLOCKS, BLOCK);
        int len = S.length();
        for (int b = from; b < to; b += BLOCK) {
            int m = Math.min(BLOCK, to - b);
            int end = S.loopBound(m);
            for (int i = 0; i < end; i += len) {
                FloatVector a = FloatVector.fromArray(S, x, b + i).abs();
                a.add(a).intoArray(e, i);
            }
            expShifted(e, 0, 0f, e, 0, end);
            for (int i = 0; i < end; i += len) {
                FloatVector v = FloatVector.fromArray(S, x, b + i);
                IntVector bits = v.reinterpretAsInts();
                FloatVector a = bits.and(0x7fffffff).reinterpretAsFloats();
                FloatVector z = v.mul(v);
                FloatVector q = z.fma(-5.70498872745E-3f, 2.06390887954E-2f);
                q = q.fma(z, FloatVector.broadcast(S, -5.37397155531E-2f));
                q = q.fma(z, FloatVector.broadcast(S, 1.33314422036E-1f));
                q = q.fma(z, FloatVector.broadcast(S, -3.33332819422E-1f));
                FloatVector small = a.fma(z.mul(q), a);
                FloatVector large = FloatVector.broadcast(S, 1f)
                        .sub(FloatVector.broadcast(S, 2f).div(FloatVector.fromArray(S, e, i).add(1f)));
                FloatVector t = large.blend(small, a.compare(VectorOperators.LT, 0.625f));
                t.reinterpretAsInts().or(bits.and(0x80000000)).reinterpretAsFloats().intoArray(y, b + i);
            }
            for (int i = end; i < m; i++) {
                y[b + i] = FloatMath.tanh(x[b + i]);
            }
        }
    }

    /**
     * The largest of {@code x[off .. off + n)}, NaN if any is NaN; {@code n >= 1}. Four running maxima:
     * Java's float max (NaN and -0 rules) is several instructions long, and one chain of them made
     * this pass cost half as much as the exponentials after it.
     */
    static float max(float[] x, int off, int n) {
        int len = S.length();
        int i = head(off, n);
        float max = x[off];
        for (int h = 1; h < i; h++) {
            max = Math.max(max, x[off + h]);
        }
        int quadEnd = i + (n - i) / (4 * len) * (4 * len);
        if (quadEnd > i) {
            FloatVector m0 = FloatVector.fromArray(S, x, off + i);
            FloatVector m1 = FloatVector.fromArray(S, x, off + i + len);
            FloatVector m2 = FloatVector.fromArray(S, x, off + i + 2 * len);
            FloatVector m3 = FloatVector.fromArray(S, x, off + i + 3 * len);
            for (i += 4 * len; i < quadEnd; i += 4 * len) {
                m0 = m0.max(FloatVector.fromArray(S, x, off + i));
                m1 = m1.max(FloatVector.fromArray(S, x, off + i + len));
                m2 = m2.max(FloatVector.fromArray(S, x, off + i + 2 * len));
                m3 = m3.max(FloatVector.fromArray(S, x, off + i + 3 * len));
            }
            max = Math.max(max, m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX));
        }
        for (int end = i + S.loopBound(n - i); i < end; i += len) {
            max = Math.max(max, FloatVector.fromArray(S, x, off + i).reduceLanes(VectorOperators.MAX));
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** {@code y[off + i] = (x[off + i] - a) - b} for {@code i < n}, rounded twice as written. */
    static void subSub(float[] x, float[] y, int off, int n, float a, float b) {
        int len = S.length();
        int i = head(off, n);
        for (int h = 0; h < i; h++) {
            y[off + h] = (x[off + h] - a) - b;
        }
        for (int end = i + S.loopBound(n - i); i < end; i += len) {
            FloatVector.fromArray(S, x, off + i).sub(a).sub(b).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] = (x[off + i] - a) - b;
        }
    }

    /**
     * The sum of {@code a[off + i] * b[off + i]} (or of {@code a[off + i]} alone when b is null) for
     * {@code i < n}: four vectors of float partial sums (fma), moved into double every
     * {@value #SUM_BLOCK} elements, then the tail in double. {@link #gradThenDot} repeats this order
     * inside its own loop (softmax backward's fused pass), so the two change together; SoftmaxTest
     * checks that their bits agree.
     */
    static double dot(float[] a, float[] b, int off, int n) {
        int len = S.length();
        double sum = 0;
        int i = head(off, n);
        for (int h = 0; h < i; h++) {
            sum += b == null ? a[off + h] : (double) a[off + h] * b[off + h];
        }
        int quadEnd = i + (n - i) / (4 * len) * (4 * len);
        while (i < quadEnd) {
            int blockEnd = Math.min(quadEnd, i + SUM_BLOCK);
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            for (; i < blockEnd; i += 4 * len) {
                int at = off + i;
                if (b == null) {
                    s0 = s0.add(FloatVector.fromArray(S, a, at));
                    s1 = s1.add(FloatVector.fromArray(S, a, at + len));
                    s2 = s2.add(FloatVector.fromArray(S, a, at + 2 * len));
                    s3 = s3.add(FloatVector.fromArray(S, a, at + 3 * len));
                } else {
                    s0 = FloatVector.fromArray(S, a, at).fma(FloatVector.fromArray(S, b, at), s0);
                    s1 = FloatVector.fromArray(S, a, at + len).fma(FloatVector.fromArray(S, b, at + len), s1);
                    s2 = FloatVector.fromArray(S, a, at + 2 * len).fma(FloatVector.fromArray(S, b, at + 2 * len), s2);
                    s3 = FloatVector.fromArray(S, a, at + 3 * len).fma(FloatVector.fromArray(S, b, at + 3 * len), s3);
                }
            }
            sum += LaneSums.sum(s0.add(s1).add(s2.add(s3)));
        }
        for (; i < n; i++) {
            sum += b == null ? a[off + i] : (double) a[off + i] * b[off + i];
        }
        return sum;
    }

    /**
     * The sum of {@code (x[off + i] - m)^2} for {@code i < n}: one vector of float partial sums per
     * {@value #SUM_BLOCK} elements, each moved into double, the tail in double.
     */
    static double sumSquaredDiff(float[] x, int off, int n, float m) {
        double sum = 0;
        int len = S.length();
        int i = 0;
        int vecEnd = S.loopBound(n);
        while (i < vecEnd) {
            int blockEnd = Math.min(vecEnd, i + SUM_BLOCK);
            FloatVector acc = FloatVector.zero(S);
            for (; i < blockEnd; i += len) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(m);
                acc = d.fma(d, acc);
            }
            sum += LaneSums.sum(acc);
        }
        for (; i < n; i++) {
            float d = x[off + i] - m;
            sum += d * d;
        }
        return sum;
    }

    /**
     * {@code y[off + c] = (x[off + c] - m) * rs * w[c] + b[c]} for {@code c < n}, rounded as written (no
     * fused multiply-add), so it equals the scalar loop bit for bit.
     */
    static void normalizeRow(float[] x, float[] y, int off, int n, float m, float rs, float[] w, float[] b) {
        int len = S.length();
        int c = 0;
        for (int end = S.loopBound(n); c < end; c += len) {
            FloatVector t = FloatVector.fromArray(S, x, off + c).sub(m).mul(rs);
            t.mul(FloatVector.fromArray(S, w, c)).add(FloatVector.fromArray(S, b, c)).intoArray(y, off + c);
        }
        for (; c < n; c++) {
            y[off + c] = (x[off + c] - m) * rs * w[c] + b[c];
        }
    }

    /**
     * Layer norm's row sums for the input gradient: {@code sums[0] = sum g}, {@code sums[1] = sum g xhat}
     * with {@code g = dy[off + c] w[c]} and {@code xhat = (x[off + c] - m) rs}; float partial
     * sums per {@value #SUM_BLOCK} elements, moved into double.
     */
    static void layerNormGradSums(float[] x, float[] dy, float[] w, int off, int n, float m, float rs,
                                  double[] sums) {
        double gSum = 0;
        double gxSum = 0;
        int len = S.length();
        int c = 0;
        int vecEnd = S.loopBound(n);
        while (c < vecEnd) {
            int blockEnd = Math.min(vecEnd, c + SUM_BLOCK);
            FloatVector accG = FloatVector.zero(S);
            FloatVector accGx = FloatVector.zero(S);
            for (; c < blockEnd; c += len) {
                // w is never null here: a vector chosen by a branch in the loop would merge two boxes
                FloatVector g = FloatVector.fromArray(S, dy, off + c).mul(FloatVector.fromArray(S, w, c));
                FloatVector xhat = FloatVector.fromArray(S, x, off + c).sub(m).mul(rs);
                accG = accG.add(g);
                accGx = g.fma(xhat, accGx);
            }
            gSum += LaneSums.sum(accG);
            gxSum += LaneSums.sum(accGx);
        }
        for (; c < n; c++) {
            float g = dy[off + c] * w[c];
            gSum += g;
            gxSum += g * ((x[off + c] - m) * rs);
        }
        sums[0] = gSum;
        sums[1] = gxSum;
    }

    /**
     * Layer norm's input gradient for one row: {@code dx = rs (g - gMean - xhat gxMean)}, g and xhat as in
     * {@link #layerNormGradSums}, rounded as written, so it equals the scalar loop bit for bit.
     */
    static void layerNormGradRow(float[] x, float[] dy, float[] w, float[] dx, int off, int n, float m, float rs,
                                 float gMean, float gxMean) {
        int len = S.length();
        int c = 0;
        for (int end = S.loopBound(n); c < end; c += len) {
            FloatVector g = FloatVector.fromArray(S, dy, off + c).mul(FloatVector.fromArray(S, w, c));
            FloatVector xhat = FloatVector.fromArray(S, x, off + c).sub(m).mul(rs);
            g.sub(gMean).sub(xhat.mul(gxMean)).mul(rs).intoArray(dx, off + c);
        }
        for (; c < n; c++) {
            float g = dy[off + c] * w[c];
            float xhat = (x[off + c] - m) * rs;
            dx[off + c] = rs * (g - gMean - xhat * gxMean);
        }
    }

    /**
     * Softmax's gradient for rows {@code r0 <= r < r1} of {@code (rows, n)} matrices: {@code dx = y (dy - s)}
     * with {@code s = (float) dot(dy, y)} of the row, each row's sum taken in the loop that writes the row
     * before it (see {@link #gradThenDot}). The same bits as {@link #dot} then {@link #softmaxGrad} per row.
     */
    static void softmaxGradRows(float[] y, float[] dy, float[] dx, int r0, int r1, int n) {
        if (n < 4 * S.length()) {
            // no whole block of four vectors in a row: nothing to overlap
            for (int r = r0; r < r1; r++) {
                softmaxGrad(y, dy, dx, r * n, n, (float) dot(dy, y, r * n, n));
            }
            return;
        }
        float s = (float) dot(dy, y, r0 * n, n);
        for (int r = r0; r < r1 - 1; r++) {
            s = gradThenDot(y, dy, dx, r * n, n, s);
        }
        softmaxGrad(y, dy, dx, (r1 - 1) * n, n, s);
    }

    /**
     * {@link #softmaxGrad} over {@code [off, off + n)} with {@code s}, and in the same loop {@code (float)
     * dot(dy, y, off + n, n)}, the next row's sum, with {@link #dot}'s head, blocks, accumulators and
     * tail, so its bits are dot's. One pass then streams the next row's two inputs from memory while it
     * writes this row from cache, where a sum pass and a write pass per row left memory idle in turns.
     * dx may be dy or y: the pass writes only this row and reads the next. Measured on Zen 5 (4096 x 4096,
     * two threads, the two ways alternated in one JVM, 70 pairs): 3572 -> 3381 and 3575 -> 3361 us at
     * 512 bits (faster in 52 and 56 pairs), 3359 -> 3299 and 3407 -> 3384 at 256 bits (38 of 70: no
     * difference).
     */
    private static float gradThenDot(float[] y, float[] dy, float[] dx, int off, int n, float s) {
        int len = S.length();
        int next = off + n;
        double sum = 0;
        int i = head(next, n);
        for (int h = 0; h < i; h++) {
            sum += (double) dy[next + h] * y[next + h];
            dx[off + h] = y[off + h] * (dy[off + h] - s);
        }
        int quadEnd = i + (n - i) / (4 * len) * (4 * len);
        while (i < quadEnd) {
            int blockEnd = Math.min(quadEnd, i + SUM_BLOCK);
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            for (; i < blockEnd; i += 4 * len) {
                int at = next + i;
                s0 = FloatVector.fromArray(S, dy, at).fma(FloatVector.fromArray(S, y, at), s0);
                s1 = FloatVector.fromArray(S, dy, at + len).fma(FloatVector.fromArray(S, y, at + len), s1);
                s2 = FloatVector.fromArray(S, dy, at + 2 * len).fma(FloatVector.fromArray(S, y, at + 2 * len), s2);
                s3 = FloatVector.fromArray(S, dy, at + 3 * len).fma(FloatVector.fromArray(S, y, at + 3 * len), s3);
                int g = off + i;
                FloatVector.fromArray(S, y, g).mul(FloatVector.fromArray(S, dy, g).sub(s)).intoArray(dx, g);
                FloatVector.fromArray(S, y, g + len).mul(FloatVector.fromArray(S, dy, g + len).sub(s))
                        .intoArray(dx, g + len);
                FloatVector.fromArray(S, y, g + 2 * len).mul(FloatVector.fromArray(S, dy, g + 2 * len).sub(s))
                        .intoArray(dx, g + 2 * len);
                FloatVector.fromArray(S, y, g + 3 * len).mul(FloatVector.fromArray(S, dy, g + 3 * len).sub(s))
                        .intoArray(dx, g + 3 * len);
            }
            sum += LaneSums.sum(s0.add(s1).add(s2.add(s3)));
        }
        for (int p = i; p < n; p++) {
            sum += (double) dy[next + p] * y[next + p];
        }
        softmaxGrad(y, dy, dx, off + i, n - i, s);
        return (float) sum;
    }

    /** Softmax's gradient from its output: {@code dx = y (dy - s)} over {@code [off, off + n)}. */
    static void softmaxGrad(float[] y, float[] dy, float[] dx, int off, int n, float s) {
        int len = S.length();
        int i = head(off, n);
        for (int h = 0; h < i; h++) {
            dx[off + h] = y[off + h] * (dy[off + h] - s);
        }
        for (int end = i + S.loopBound(n - i); i < end; i += len) {
            int at = off + i;
            FloatVector yv = FloatVector.fromArray(S, y, at);
            yv.mul(FloatVector.fromArray(S, dy, at).sub(s)).intoArray(dx, at);
        }
        for (; i < n; i++) {
            dx[off + i] = y[off + i] * (dy[off + i] - s);
        }
    }

    /**
     * Log-softmax's gradient from its output: {@code dx = dy - e^y s} over {@code [off, off + n)}; e^y
     * goes to scratch a block at a time before dx is written, so dx may be dy or y.
     */
    static void logSoftmaxGrad(float[] y, float[] dy, float[] dx, int off, int n, float s) {
        float[] e = Scratch.floats(Scratch.BLOCKS, BLOCK);
        int len = S.length();
        for (int b = 0; b < n; b += BLOCK) {
            int m = Math.min(BLOCK, n - b);
            int at = off + b;
            expShifted(y, at, 0f, e, 0, m);
            int i = 0;
            for (int end = S.loopBound(m); i < end; i += len) {
                FloatVector ev = FloatVector.fromArray(S, e, i);
                FloatVector.fromArray(S, dy, at + i).sub(ev.mul(s)).intoArray(dx, at + i);
            }
            for (; i < m; i++) {
                dx[at + i] = dy[at + i] - e[i] * s;
            }
        }
    }

    /**
     * ReLU's gradient {@code dx[i] = x[i] > 0 ? dy[i] : 0} for {@code from <= i < to}, dy's bits kept
     * (NaN and -0 included) where x > 0; a NaN x gives 0.
     */
    static void reluGrad(float[] x, float[] dy, float[] dx, int from, int to) {
        int len = S.length();
        int i = from + head(from, to - from);
        for (int h = from; h < i; h++) {
            dx[h] = x[h] > 0f ? dy[h] : 0f;
        }
        FloatVector zero = FloatVector.zero(S);
        for (int end = i + S.loopBound(to - i); i < end; i += len) {
            FloatVector d = FloatVector.fromArray(S, dy, i);
            zero.blend(d, FloatVector.fromArray(S, x, i).compare(VectorOperators.GT, 0f)).intoArray(dx, i);
        }
        for (; i < to; i++) {
            dx[i] = x[i] > 0f ? dy[i] : 0f;
        }
    }

    /** {@code y[off + i] *= s} for {@code i < n}. */
    static void scale(float[] y, int off, int n, float s) {
        int len = S.length();
        int i = head(off, n);
        for (int h = 0; h < i; h++) {
            y[off + h] *= s;
        }
        for (int end = i + S.loopBound(n - i); i < end; i += len) {
            FloatVector.fromArray(S, y, off + i).mul(s).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] *= s;
        }
    }
}

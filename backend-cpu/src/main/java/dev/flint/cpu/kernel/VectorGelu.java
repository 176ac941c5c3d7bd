package dev.flint.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The exact GELU on the Vector API (loaded only when {@link FloatMath#VECTOR}). With {@code z = |x| / sqrt 2}
 * and {@code t = 1 / (1 + z / 2)}, {@code erfc(z) = t exp(-z^2 + c(t))} for Numerical Recipes' degree-9
 * polynomial {@code c} (the scalar {@link FloatMath#erf} uses the same fit in double), and
 * {@code Phi(x) = 1 - erfc(z) / 2} for {@code x >= 0}, {@code erfc(z) / 2} below: no cancellation in the
 * negative tail. NaN stays NaN through every step.
 *
 * <p>A block of {@link VectorExp#BLOCK} elements at a time, in three loops: the exponents (and t) into
 * scratch, {@link VectorExp#expShifted} over them, then the products. Vectors never cross a method of
 * ours and no loop holds more than about twenty Vector API calls; why that matters on JDK 17 is in
 * {@link VectorExp}'s class comment (here the one-loop form ran 3 to 10x slower depending on what had
 * run before it).
 */
final class VectorGelu {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int BLOCK = VectorExp.BLOCK;

    private VectorGelu() {
    }

    static void forward(float[] x, float[] y, int from, int to) {
        float[] buf = Scratch.floats(Scratch.BLOCKS, 2 * BLOCK);
        int len = S.length();
        int vecTo = from + S.loopBound(to - from);
        for (int b = from; b < vecTo; b += BLOCK) {
            int m = Math.min(BLOCK, vecTo - b);
            erfcParts(x, b, m, buf);
            VectorExp.expShifted(buf, BLOCK, 0f, buf, BLOCK, m);
            for (int i = 0; i < m; i += len) {
                FloatVector v = FloatVector.fromArray(S, x, b + i);
                FloatVector t = FloatVector.fromArray(S, buf, i);
                FloatVector halfErfc = t.mul(FloatVector.fromArray(S, buf, BLOCK + i)).mul(0.5f);
                FloatVector cdf = FloatVector.broadcast(S, 1f).sub(halfErfc)
                        .blend(halfErfc, v.compare(VectorOperators.LT, 0f));
                v.mul(cdf).intoArray(y, b + i);
            }
        }
        for (int i = vecTo; i < to; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1f + FloatMath.erf(v * Gelu.INV_SQRT_2));
        }
    }

    /** {@code dx[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i]))}; dx may be dy. */
    static void backward(float[] x, float[] dy, float[] dx, int from, int to) {
        float[] buf = Scratch.floats(Scratch.BLOCKS, 3 * BLOCK);
        int len = S.length();
        int vecTo = from + S.loopBound(to - from);
        for (int b = from; b < vecTo; b += BLOCK) {
            int m = Math.min(BLOCK, vecTo - b);
            erfcParts(x, b, m, buf);
            for (int i = 0; i < m; i += len) {
                FloatVector v = FloatVector.fromArray(S, x, b + i);
                v.mul(v).mul(-0.5f).intoArray(buf, 2 * BLOCK + i);
            }
            // Both exponentials in one pass: buf[BLOCK, 3 BLOCK) is contiguous.
            VectorExp.expShifted(buf, BLOCK, 0f, buf, BLOCK, BLOCK + m);
            for (int i = 0; i < m; i += len) {
                FloatVector v = FloatVector.fromArray(S, x, b + i);
                FloatVector pdf = FloatVector.fromArray(S, buf, 2 * BLOCK + i).mul(Gelu.INV_SQRT_2PI);
                FloatVector t = FloatVector.fromArray(S, buf, i);
                FloatVector halfErfc = t.mul(FloatVector.fromArray(S, buf, BLOCK + i)).mul(0.5f);
                FloatVector cdf = FloatVector.broadcast(S, 1f).sub(halfErfc)
                        .blend(halfErfc, v.compare(VectorOperators.LT, 0f));
                FloatVector d = v.fma(pdf, cdf);
                FloatVector.fromArray(S, dy, b + i).mul(d).intoArray(dx, b + i);
            }
        }
        for (int i = vecTo; i < to; i++) {
            float v = x[i];
            float cdf = 0.5f * (1f + FloatMath.erf(v * Gelu.INV_SQRT_2));
            dx[i] = dy[i] * (cdf + v * Gelu.INV_SQRT_2PI * FloatMath.exp(-0.5f * v * v));
        }
    }

    /**
     * For {@code x[from, from + m)}, m a multiple of the lane count: {@code t} into {@code buf[0, m)} and
     * the exponent {@code c(t) - z^2} into {@code buf[BLOCK, BLOCK + m)}.
     */
    private static void erfcParts(float[] x, int from, int m, float[] buf) {
        int len = S.length();
        for (int i = 0; i < m; i += len) {
            FloatVector z = FloatVector.fromArray(S, x, from + i).abs().mul(Gelu.INV_SQRT_2);
            FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
            FloatVector p = t.fma(0.17087277f, -0.82215223f);
            p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
            p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
            p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
            p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
            p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
            p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
            p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
            p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
            t.intoArray(buf, i);
            p.sub(z.mul(z)).intoArray(buf, BLOCK + i);
        }
    }
}

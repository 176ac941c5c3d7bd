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
 */
final class VectorGelu {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorGelu() {
    }

    private static FloatVector bc(float c) {
        return FloatVector.broadcast(S, c);
    }

    /** {@code Phi(x)} lane-wise. */
    private static FloatVector cdf(FloatVector x) {
        FloatVector z = x.abs().mul(Gelu.INV_SQRT_2);
        FloatVector t = bc(1f).div(z.fma(0.5f, 1f));
        FloatVector p = t.fma(0.17087277f, -0.82215223f);
        p = p.fma(t, bc(1.48851587f));
        p = p.fma(t, bc(-1.13520398f));
        p = p.fma(t, bc(0.27886807f));
        p = p.fma(t, bc(-0.18628806f));
        p = p.fma(t, bc(0.09678418f));
        p = p.fma(t, bc(0.37409196f));
        p = p.fma(t, bc(1.00002368f));
        p = p.fma(t, bc(-1.26551223f));
        FloatVector halfErfc = t.mul(VectorExp.exp(p.sub(z.mul(z)))).mul(0.5f);
        return bc(1f).sub(halfErfc).blend(halfErfc, x.compare(VectorOperators.LT, 0f));
    }

    static void forward(float[] x, float[] y, int from, int to) {
        int len = S.length();
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += len) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            v.mul(cdf(v)).intoArray(y, i);
        }
        for (; i < to; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1f + FloatMath.erf(v * Gelu.INV_SQRT_2));
        }
    }

    /** Elements per block of the backward pass: its Phi values wait in a buffer this long. */
    private static final int BLOCK = 512;

    static void backward(float[] x, float[] dy, float[] dx, int from, int to) {
        // Two loops of one exp each, a block at a time: one loop holding both exps (Phi's and the density's)
        // grew past what C2 inlines, and the vectors it then passed between calls ran 7x slower.
        float[] cdf = new float[Math.min(BLOCK, to - from)];
        for (int b = from; b < to; b += BLOCK) {
            int e = Math.min(to, b + BLOCK);
            cdfBlock(x, cdf, b, e);
            gradientBlock(x, dy, cdf, dx, b, e);
        }
    }

    /** {@code cdf[i - from] = Phi(x[i])}. */
    private static void cdfBlock(float[] x, float[] cdf, int from, int to) {
        int len = S.length();
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += len) {
            cdf(FloatVector.fromArray(S, x, i)).intoArray(cdf, i - from);
        }
        for (; i < to; i++) {
            cdf[i - from] = 0.5f * (1f + FloatMath.erf(x[i] * Gelu.INV_SQRT_2));
        }
    }

    /** {@code dx[i] = dy[i] (cdf[i - from] + x[i] phi(x[i]))}; dx may be dy. */
    private static void gradientBlock(float[] x, float[] dy, float[] cdf, float[] dx, int from, int to) {
        int len = S.length();
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += len) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector pdf = VectorExp.exp(v.mul(v).mul(-0.5f)).mul(Gelu.INV_SQRT_2PI);
            FloatVector d = v.fma(pdf, FloatVector.fromArray(S, cdf, i - from));
            FloatVector.fromArray(S, dy, i).mul(d).intoArray(dx, i);
        }
        for (; i < to; i++) {
            float v = x[i];
            dx[i] = dy[i] * (cdf[i - from] + v * Gelu.INV_SQRT_2PI * FloatMath.exp(-0.5f * v * v));
        }
    }
}

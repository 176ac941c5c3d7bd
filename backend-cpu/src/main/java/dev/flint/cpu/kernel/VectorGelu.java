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

    static void backward(float[] x, float[] dy, float[] dx, int from, int to) {
        int len = S.length();
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += len) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector pdf = VectorExp.exp(v.mul(v).mul(-0.5f)).mul(Gelu.INV_SQRT_2PI);
            FloatVector d = v.fma(pdf, cdf(v));
            FloatVector.fromArray(S, dy, i).mul(d).intoArray(dx, i);
        }
        for (; i < to; i++) {
            dx[i] = dy[i] * Gelu.derivative(x[i]);
        }
    }
}

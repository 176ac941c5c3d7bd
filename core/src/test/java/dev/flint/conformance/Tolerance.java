package dev.flint.conformance;

/**
 * How far a float32 result may be from its float64 reference: element {@code i} passes when
 * {@code |actual - expected| <= atol + rtol * scale[i]}, where the scale is {@code |expected|} unless
 * the test supplies one (for sums, the sum of the absolute values of the terms, so that cancellation
 * does not make a correct result look wrong).
 *
 * <pre>{@code
 * Tolerance t = Tolerance.sum(71);            // a dot product of 71 float32 terms
 * Tolerance exact = Tolerance.EXACT;          // copies, comparisons, max, indices
 * }</pre>
 */
public record Tolerance(double atol, double rtol) {

    /** The unit roundoff of float32, {@code 2^-24}: the relative error of one correctly rounded operation. */
    public static final double FLOAT_EPS = 0x1p-24;

    /** Bit-for-bit (NaN matches any NaN, infinities match themselves). */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** One correctly rounded float32 operation: half an ulp, doubled for slack; results below float's normal range may flush to 0. */
    public static final Tolerance ROUNDED = new Tolerance(Float.MIN_NORMAL, 2 * FLOAT_EPS);

    public Tolerance {
        if (!(atol >= 0) || !(rtol >= 0)) {
            throw new IllegalArgumentException("tolerance: atol and rtol must be >= 0, got " + atol + ", " + rtol);
        }
    }

    /**
     * A sum of {@code terms} float32 products accumulated in float32, relative to the sum of the
     * absolute values of the terms. Rounding errors of random sign grow like {@code sqrt(terms)}; the
     * factor 8 leaves room for any summation order (blocked, pairwise, atomics), while an indexing bug
     * (one wrong term out of the sum) still exceeds it by orders of magnitude.
     */
    public static Tolerance sum(int terms) {
        return new Tolerance(1e-30, 8 * Math.sqrt(Math.max(1, terms)) * FLOAT_EPS + 2 * FLOAT_EPS);
    }

    /** The largest allowed difference for one element of the given scale. */
    public double bound(double scale) {
        return atol + rtol * Math.abs(scale);
    }
}

package dev.flint.conformance;

import java.util.Arrays;
import java.util.Locale;
import org.opentest4j.AssertionFailedError;

/**
 * Compares a backend's result with a reference and, on mismatch, names the worst element: where it
 * is (a multi-index when the shape is known), what came, what was expected, and the tolerance.
 *
 * <pre>{@code
 * Approx.assertClose("softmaxForward", new int[] {4, 7}, actual, expected, new Tolerance(1e-7, 1e-5));
 * // softmaxForward [4, 7]: worst at [2, 5]: got 0.123400, expected 0.124000 (|diff| 6.0e-04 > tol 1.2e-06); 3 of 28 elements out of tolerance
 * }</pre>
 *
 * <p>NaN is expected where the reference is NaN and only there; infinities must match exactly.
 */
public final class Approx {

    private Approx() {
    }

    /** Element {@code i} passes when {@code |actual - expected| <= tol.bound(|expected|)}. */
    public static void assertClose(String what, int[] shape, float[] actual, double[] expected, Tolerance tol) {
        assertClose(what, shape, actual, expected, null, tol);
    }

    /**
     * Element {@code i} passes when {@code |actual - expected| <= tol.bound(scale[i])}; a null
     * {@code scale} means {@code |expected[i]|}.
     */
    public static void assertClose(String what, int[] shape, float[] actual, double[] expected, double[] scale,
                                   Tolerance tol) {
        if (actual.length != expected.length || (scale != null && scale.length != expected.length)) {
            throw new AssertionFailedError(what + " " + Arrays.toString(shape) + ": expected " + expected.length
                    + " elements, got " + actual.length);
        }
        int worst = -1;
        double worstRatio = 0;
        double worstDiff = 0;
        double worstTol = 0;
        int failing = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            // A finite reference beyond float's range is what a float32 computation must give: infinity.
            if (Double.isFinite(e) && Float.isInfinite((float) e)) {
                e = (float) e;
            }
            double a = actual[i];
            double allowed = tol.bound(scale == null ? e : scale[i]);
            double diff;
            double ratio;
            if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
                boolean same = (Double.isNaN(e) && Double.isNaN(a)) || e == a;
                diff = same ? 0 : Double.POSITIVE_INFINITY;
                ratio = diff;
            } else {
                diff = Math.abs(a - e);
                ratio = diff <= allowed ? 0 : (allowed == 0 ? Double.POSITIVE_INFINITY : diff / allowed);
            }
            if (diff > allowed) {
                failing++;
                if (worst < 0 || ratio > worstRatio) {
                    worst = i;
                    worstRatio = ratio;
                    worstDiff = diff;
                    worstTol = allowed;
                }
            }
        }
        if (worst >= 0) {
            throw new AssertionFailedError(String.format(Locale.ROOT,
                    "%s %s: worst at %s: got %s, expected %s (|diff| %.2g > tol %.2g); %d of %d elements out of tolerance",
                    what, Arrays.toString(shape), index(shape, worst, expected.length), show(actual[worst]),
                    show(expected[worst]), worstDiff, worstTol, failing, expected.length));
        }
    }

    /** Exact comparison of integer results (indices, labels, casts); reports the first mismatch and the count. */
    public static void assertEqualInts(String what, int[] shape, int[] actual, int[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionFailedError(what + " " + Arrays.toString(shape) + ": expected " + expected.length
                    + " elements, got " + actual.length);
        }
        int first = -1;
        int failing = 0;
        for (int i = 0; i < expected.length; i++) {
            if (actual[i] != expected[i]) {
                failing++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (first >= 0) {
            throw new AssertionFailedError(String.format(Locale.ROOT,
                    "%s %s: first mismatch at %s: got %d, expected %d; %d of %d elements differ", what,
                    Arrays.toString(shape), index(shape, first, expected.length), actual[first], expected[first],
                    failing, expected.length));
        }
    }

    /**
     * The multi-index of flat position {@code flat} in a row-major {@code shape}, such as {@code [2, 5]};
     * just {@code [flat]} when the shape does not describe {@code length} elements.
     */
    public static String index(int[] shape, int flat, int length) {
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        if (shape.length == 0 || count != length) {
            return "[" + flat + "]";
        }
        int[] idx = new int[shape.length];
        int rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        return Arrays.toString(idx);
    }

    private static String show(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? Double.toString(v) : String.format(Locale.ROOT, "%.7g", v);
    }
}

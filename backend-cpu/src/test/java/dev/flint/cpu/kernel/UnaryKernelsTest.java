package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import dev.flint.conformance.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every unary kernel, forward and backward, at the special values (signed zeros, infinities, NaN, the
 * smallest subnormal) against the float64 reference, element by element: NaN where the reference has
 * NaN, the same infinity, and otherwise within a few ulp. The conformance suite checks thousands of
 * random values; this checks the edges, with no per-op code, so a new op is covered here unseen.
 */
class UnaryKernelsTest {
    private static final float[] X = {-3f, -1f, -0.5f, -0f, 0f, Float.MIN_VALUE, 0.25f, 0.5f, 1f, 3f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};

    private static Unary withParameters(UnaryOp op) {
        return switch (op.parameters().size()) {
            case 0 -> Unary.of(op);
            case 1 -> new Unary(op, op == UnaryOp.POW ? 2.5f : 0.1f, 0f);
            default -> new Unary(op, -1f, 2f);
        };
    }

    /**
     * Within 8 ulp, or 2e-7 of {@code scale}: functions such as 1 + erf(x) and 1 - tanh(x)^2 cancel in
     * float at |x| of a few, in PyTorch's kernels as in ours.
     */
    private static void assertCloseTo(double expected, float actual, double scale, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals((float) expected, actual, what);
            return;
        }
        // signed zeros compare equal: 0 == -0 for the purposes of an elementwise function
        double tol = 8 * Math.ulp((float) expected) + (Double.isFinite(scale) ? 2e-7 * scale : 0) + 1e-30;
        assertEquals(expected, actual == 0 ? 0f : actual, tol, what);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void forwardMatchesTheReferenceAtTheEdges(UnaryOp op) {
        Unary f = withParameters(op);
        float[] y = new float[X.length];
        UnaryKernels.forward(f, X, y, X.length);
        for (int i = 0; i < X.length; i++) {
            assertCloseTo(Reference.unary(op, X[i], f.a(), f.b()), y[i], 1 + Math.abs(X[i]), f + " forward at " + X[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"SIGN", "IN_RANGE"}, mode = EnumSource.Mode.EXCLUDE)
    void backwardMatchesTheReferenceAtTheEdges(UnaryOp op) {
        Unary f = withParameters(op);
        float[] y = new float[X.length];
        UnaryKernels.forward(f, X, y, X.length);
        float[] dy = new float[X.length];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = 1.5f + i;
        }
        float[] dx = new float[X.length];
        boolean readsX = op.derivative() == UnaryOp.Derivative.OF_INPUT;
        boolean readsY = op.derivative() == UnaryOp.Derivative.OF_OUTPUT;
        UnaryKernels.backward(f, readsX ? X : null, readsY ? y : null, dy, dx, X.length);
        for (int i = 0; i < X.length; i++) {
            double d = Reference.derivative(op, X[i], y[i], f.a(), f.b());
            assertCloseTo(dy[i] * d, dx[i], dy[i] * (1 + Math.abs(X[i])), f + " backward at " + X[i]);
        }
    }

    @Test
    void powOfTwoTakesTheExactShortcut() {
        float[] sq = new float[X.length];
        UnaryKernels.forward(Unary.pow(2f), X, sq, X.length);
        for (int i = 0; i < X.length; i++) {
            assertEquals((float) Math.pow(X[i], 2), sq[i], "pow 2 takes the x*x shortcut exactly");
        }
    }

    @Test
    void piecewiseConstantFunctionsHaveNoBackward() {
        float[] v = new float[2];
        assertThrows(IllegalArgumentException.class, () -> UnaryKernels.backward(Unary.of(UnaryOp.SIGN), v, v, v, v, 2));
    }
}

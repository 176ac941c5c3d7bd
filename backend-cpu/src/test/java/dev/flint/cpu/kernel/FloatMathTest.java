package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class FloatMathTest {

    /** Error of {@code got} in units of the last place of the exact result rounded to float. */
    private static double ulpError(float got, double exact) {
        float rounded = (float) exact;
        double ulp = Math.abs(rounded) < Float.MIN_NORMAL ? Float.MIN_VALUE : Math.ulp(rounded);
        return Math.abs(got - exact) / ulp;
    }

    /** Worst ulp error over every {@code stride}-th float of {@code [from, to]}, both signs of zero included. */
    private static String worst(float from, float to, int stride, boolean tanh, double limit) {
        DoubleUnaryOperator exact = tanh ? Math::tanh : Math::exp;
        double worst = 0;
        float worstAt = 0;
        for (float x = from; x <= to; ) {
            float got = tanh ? FloatMath.tanh(x) : FloatMath.exp(x);
            double e = ulpError(got, exact.applyAsDouble(x));
            if (e > worst) {
                worst = e;
                worstAt = x;
            }
            int bits = Float.floatToRawIntBits(x);
            // negative floats grow toward -0 as their bit patterns shrink; past -0 continue from +0
            x = x < 0 ? (bits - stride < 0x80000000 + 1 ? 0f : Float.intBitsToFloat(bits - stride))
                      : Float.intBitsToFloat(bits + stride);
        }
        assertTrue(worst <= limit, (tanh ? "tanh" : "exp") + " worst error " + worst + " ulp at x = " + worstAt);
        return worst + " at " + worstAt;
    }

    @Test
    void expWithinOneUlpAcrossTheWholeRange() {
        // every 257th float (~9 million values); an exhaustive sweep gave 0.99 ulp
        worst(-104f, 89f, 257, false, 1.0);
    }

    @Test
    void tanhWithinTwoUlpAcrossTheWholeRange() {
        worst(-20f, 20f, 257, true, 2.0);
        worst(-0.7f, 0.7f, 127, true, 2.0);   // densely around the switch between the two formulas
    }

    @Test
    void specialValuesMatchMath() {
        float[] xs = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, 0.625f,
            -0.625f, 0.62499994f, 9f, -9.1f, 88.72283f, 88.722839f, 88.7229f, -87.33655f, -103.9f, -103.972f, -104f,
            -200f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE};
        for (float x : xs) {
            check("exp", x, FloatMath.exp(x), Math.exp(x), 1.0);
            check("tanh", x, FloatMath.tanh(x), Math.tanh(x), 2.0);
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatMath.tanh(-0f)), "tanh(-0) is -0");
    }

    private static void check(String f, float x, float got, double exact, double limit) {
        float expected = (float) exact;
        if (Float.isNaN(expected) || Float.isInfinite(expected) || expected == 0f || Math.abs(expected) == 1f) {
            assertEquals(expected, got, f + "(" + x + ")");
        } else {
            assertTrue(ulpError(got, exact) <= limit, f + "(" + x + ") = " + got + ", expected " + expected);
        }
    }
}

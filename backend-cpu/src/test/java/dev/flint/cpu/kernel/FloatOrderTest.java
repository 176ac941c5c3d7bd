package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Every branch-free comparison against Java's own operators on every pair of awkward values. */
class FloatOrderTest {
    private static final float[] VALUES = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -2.5f, -1f, -Float.MIN_VALUE,
        -0f, 0f, Float.MIN_VALUE, Float.MIN_NORMAL, 1f, 1.0000001f, 2.5f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
        Float.NaN, Float.intBitsToFloat(0xFFC00000), Float.intBitsToFloat(0x7F800001)};

    private static float bit(boolean b) {
        return b ? 1f : 0f;
    }

    @Test
    void comparisonsMatchJavaOperators() {
        for (float x : VALUES) {
            for (float y : VALUES) {
                String at = " at (" + x + ", " + y + ")";
                assertEquals(bit(x < y), FloatOrder.lt(x, y), "lt" + at);
                assertEquals(bit(x <= y), FloatOrder.le(x, y), "le" + at);
                assertEquals(bit(x > y), FloatOrder.gt(x, y), "gt" + at);
                assertEquals(bit(x >= y), FloatOrder.ge(x, y), "ge" + at);
                for (float z : VALUES) {
                    assertEquals(bit(y <= x && x <= z), FloatOrder.inRange(x, y, z), "inRange " + x + " in [" + y
                            + ", " + z + "]");
                }
            }
        }
    }

    @Test
    void positiveIsExactlyGreaterThanZero() {
        for (float v : VALUES) {
            assertEquals(v > 0 ? -1 : 0, FloatOrder.positive(v), "mask of " + v);
        }
    }

    @Test
    void keysOrderLikeFloats() {
        for (float x : VALUES) {
            for (float y : VALUES) {
                if (Float.isNaN(x) || Float.isNaN(y)) {
                    continue;
                }
                int kx = FloatOrder.key(Float.floatToRawIntBits(x));
                int ky = FloatOrder.key(Float.floatToRawIntBits(y));
                assertEquals(Float.compare(x == 0 ? 0f : x, y == 0 ? 0f : y), Integer.signum(Integer.compare(kx, ky)),
                        "order of " + x + " and " + y);
            }
        }
    }
}

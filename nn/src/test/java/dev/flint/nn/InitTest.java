package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import org.junit.jupiter.api.Test;

class InitTest {
    private final Backend backend = Backends.defaultBackend();

    @Test
    void fansFollowPyTorch() {
        assertArrayEquals(new int[] {784, 256}, Init.fans(Shape.of(256, 784)));
        assertArrayEquals(new int[] {6 * 25, 16 * 25}, Init.fans(Shape.of(16, 6, 5, 5)));
        assertArrayEquals(new int[] {10, 10}, Init.fans(Shape.of(10)));
        assertThrows(IllegalArgumentException.class, () -> Init.fans(Shape.scalar()));
    }

    @Test
    void xavierUniformStaysWithinItsBoundAndFillsIt() {
        float[] w = Init.xavierUniform(Shape.of(300, 200), 1f, new Rng(1), backend).toFloatArray();
        double bound = Math.sqrt(6.0 / 500);
        assertRange(w, bound);
        // Uniform on (-b, b) has variance b^2 / 3.
        assertEquals(bound * bound / 3, variance(w), 0.03 * bound * bound / 3);
    }

    @Test
    void xavierNormalHasItsStandardDeviation() {
        float[] w = Init.xavierNormal(Shape.of(300, 200), 2f, new Rng(2), backend).toFloatArray();
        double std = 2 * Math.sqrt(2.0 / 500);
        assertEquals(std * std, variance(w), 0.03 * std * std);
    }

    @Test
    void kaimingUniformWithSqrtFiveIsOneOverSqrtFanIn() {
        float[] w = Init.kaimingUniform(Shape.of(100, 400), (float) Math.sqrt(5), new Rng(3), backend).toFloatArray();
        assertRange(w, 1 / Math.sqrt(400) + 1e-7);
    }

    @Test
    void kaimingNormalForReluHasVarianceTwoOverFanIn() {
        float[] w = Init.kaimingNormal(Shape.of(200, 300), 0f, new Rng(4), backend).toFloatArray();
        assertEquals(2.0 / 300, variance(w), 0.03 * 2.0 / 300);
    }

    @Test
    void theSameSeedGivesTheSameWeights() {
        assertArrayEquals(Init.kaimingNormal(Shape.of(5, 5), 0f, new Rng(9), backend).toFloatArray(),
                Init.kaimingNormal(Shape.of(5, 5), 0f, new Rng(9), backend).toFloatArray());
    }

    private static void assertRange(float[] w, double bound) {
        double max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= bound, "max |w| " + max + " > " + bound);
        assertTrue(max > 0.99 * bound, "max |w| " + max + " does not reach the bound " + bound);
    }

    private static double variance(float[] w) {
        double mean = 0;
        for (float v : w) {
            mean += v;
        }
        mean /= w.length;
        double var = 0;
        for (float v : w) {
            var += (v - mean) * (v - mean);
        }
        return var / w.length;
    }
}

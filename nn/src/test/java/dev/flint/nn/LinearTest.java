package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinearTest {

    @Test
    void forwardComputesXTimesWeightTransposedPlusBias() {
        try (Linear fc = new Linear(3, 2, new Rng(1))) {
            fc.loadStateDict(Map.of(
                    "weight", Tensor.onDefault().fromFloats(new float[] {1, 2, 3, -1, 0, 1}, Shape.of(2, 3)),
                    "bias", Tensor.onDefault().fromFloats(new float[] {0.5f, -0.5f}, Shape.of(2))));
            Tensor x = Tensor.onDefault().fromFloats(new float[] {1, 1, 1, 2, 0, -1}, Shape.of(2, 3));
            // row 0: [1+2+3, -1+0+1] + b = [6.5, -0.5]; row 1: [2-3, -2-1] + b = [-0.5, -3.5]
            assertArrayEquals(new float[] {6.5f, -0.5f, -0.5f, -3.5f}, fc.forward(x).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        try (Linear fc = new Linear(5, 4, new Rng(2))) {
            LayerGradients.assertGradients(fc, Tensor.onDefault().randn(Shape.of(3, 5), new Rng(3)));
        }
    }

    @Test
    void withoutBiasHasOnlyAWeight() {
        try (Linear fc = new Linear(5, 4, false, new Rng(2), Backends.defaultBackend())) {
            assertNull(fc.bias());
            assertEquals(1, fc.parameters().size());
            LayerGradients.assertGradients(fc, Tensor.onDefault().randn(Shape.of(2, 5), new Rng(3)));
        }
    }

    @Test
    void initialisesLikePyTorchWithinOneOverSqrtFanIn() {
        try (Linear fc = new Linear(400, 50, new Rng(4))) {
            float bound = (float) (1 / Math.sqrt(400));
            float max = 0;
            for (float v : fc.weight().toFloatArray()) {
                max = Math.max(max, Math.abs(v));
            }
            for (float v : fc.bias().toFloatArray()) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound, "max |w| " + max + " exceeds " + bound);
            // 20,050 uniform draws fill the range: the largest lies within 1% of the bound.
            assertTrue(max > 0.99f * bound, "max |w| " + max + " far below the bound " + bound);
        }
    }

    @Test
    void sameSeedGivesSameWeights() {
        try (Linear a = new Linear(6, 3, new Rng(9)); Linear b = new Linear(6, 3, new Rng(9))) {
            assertArrayEquals(a.weight().toFloatArray(), b.weight().toFloatArray());
        }
    }

    @Test
    void rejectsAnInputOfTheWrongWidthNamingBothSizes() {
        try (Linear fc = new Linear(5, 4, new Rng(2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> fc.forward(Tensor.onDefault().zeros(Shape.of(3, 6))));
            assertTrue(e.getMessage().contains("[3, 6]") && e.getMessage().contains("(N, 5)"), e.getMessage());
        }
    }
}

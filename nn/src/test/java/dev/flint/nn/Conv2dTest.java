package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Conv2dTest {

    @Test
    void forwardOfASumKernelAddsNeighbourhoods() {
        try (Conv2d conv = new Conv2d(1, 1, 2, 1, 0, new Rng(1))) {
            conv.loadStateDict(Map.of(
                    "weight", Tensor.onDefault().ones(Shape.of(1, 1, 2, 2)),
                    "bias", Tensor.onDefault().fromFloats(new float[] {10}, Shape.of(1))));
            Tensor x = Tensor.onDefault().fromFloats(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape.of(1, 1, 3, 3));
            Tensor y = conv.forward(x);
            assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape().dims());
            assertArrayEquals(new float[] {22, 26, 34, 38}, y.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void paddingKeepsTheSizeAsLeNetsFirstLayerNeeds() {
        try (Conv2d conv = new Conv2d(1, 6, 5, 1, 2, new Rng(1))) {
            assertArrayEquals(new int[] {2, 6, 28, 28}, conv.forward(Tensor.onDefault().zeros(Shape.of(2, 1, 28, 28))).shape().dims());
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        try (Conv2d conv = new Conv2d(2, 3, 3, 1, 1, new Rng(5))) {
            LayerGradients.assertGradients(conv, Tensor.onDefault().randn(Shape.of(2, 2, 5, 5), new Rng(6)));
        }
    }

    @Test
    void stridedGradientsMatchFiniteDifferences() {
        try (Conv2d conv = new Conv2d(1, 2, 3, 2, 0, new Rng(7))) {
            LayerGradients.assertGradients(conv, Tensor.onDefault().randn(Shape.of(1, 1, 7, 7), new Rng(8)));
        }
    }

    @Test
    void initialisesWithinOneOverSqrtOfInTimesKernelArea() {
        try (Conv2d conv = new Conv2d(6, 16, 5, 1, 0, new Rng(4))) {
            assertEquals(16 * 6 * 25 + 16, conv.parameterCount());
            float bound = (float) (1 / Math.sqrt(6 * 25));
            for (float v : conv.weight().toFloatArray()) {
                assertTrue(Math.abs(v) <= bound, v + " outside +-" + bound);
            }
        }
    }

    @Test
    void rejectsAnInputWithTheWrongChannelCount() {
        try (Conv2d conv = new Conv2d(3, 4, 3, 1, 1, new Rng(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> conv.forward(Tensor.onDefault().zeros(Shape.of(1, 2, 8, 8))));
            assertTrue(e.getMessage().contains("[1, 2, 8, 8]") && e.getMessage().contains("(N, 3, H, W)"),
                    e.getMessage());
        }
    }
}

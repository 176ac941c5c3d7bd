package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ReLUTest {

    @Test
    void zeroesNegativesAndKeepsPositives() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {-2, -0.5f, 0.5f, 3}, Shape.of(2, 2));
        assertArrayEquals(new float[] {0, 0, 0.5f, 3}, new ReLU().forward(x).toFloatArray());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new ReLU(), LayerGradients.awayFromZero(Shape.of(3, 7), 1));
    }
}

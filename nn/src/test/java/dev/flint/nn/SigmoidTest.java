package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SigmoidTest {

    @Test
    void matchesTheLogisticFunction() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {-2, 0, 3}, Shape.of(3));
        float[] expected = {(float) (1 / (1 + Math.exp(2))), 0.5f, (float) (1 / (1 + Math.exp(-3)))};
        assertArrayEquals(expected, new Sigmoid().forward(x).toFloatArray(), 1e-6f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new Sigmoid(), Tensor.onDefault().randn(Shape.of(4, 5), new Rng(2)));
    }
}

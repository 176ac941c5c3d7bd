package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class TanhTest {

    @Test
    void matchesTheHyperbolicTangent() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {-1, 0, 0.5f}, Shape.of(3));
        assertArrayEquals(new float[] {(float) Math.tanh(-1), 0, (float) Math.tanh(0.5)},
                new Tanh().forward(x).toFloatArray(), 1e-6f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new Tanh(), Tensor.onDefault().randn(Shape.of(2, 3, 4), new Rng(3)));
    }
}

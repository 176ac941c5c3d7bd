package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

    @Test
    void rowsArePositiveAndSumToOne() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {1, 2, 3, 1000, 1000, 1000}, Shape.of(2, 3));
        float[] y = new Softmax(1).forward(x).toFloatArray();
        double e = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new float[] {(float) (Math.exp(1) / e), (float) (Math.exp(2) / e), (float) (Math.exp(3) / e),
            1 / 3f, 1 / 3f, 1 / 3f}, y, 1e-6f);
        assertEquals(1.0, y[0] + y[1] + y[2], 1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new Softmax(1), Tensor.onDefault().randn(Shape.of(3, 5), new Rng(4)));
        LayerGradients.assertGradients(new Softmax(-1), Tensor.onDefault().randn(Shape.of(2, 4), new Rng(5)));
    }
}

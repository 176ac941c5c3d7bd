package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class AvgPool2dTest {

    @Test
    void forwardAveragesEachWindow() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {
            1, 5, 2, 0,
            3, 4, 8, 1,
            0, 0, 1, 2,
            9, 0, 3, 4}, Shape.of(1, 1, 4, 4));
        assertArrayEquals(new float[] {13 / 4f, 11 / 4f, 9 / 4f, 10 / 4f}, new AvgPool2d(2).forward(x).toFloatArray(),
                1e-6f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new AvgPool2d(2), Tensor.onDefault().randn(Shape.of(2, 2, 4, 6), new Rng(3)));
        LayerGradients.assertGradients(new AvgPool2d(3, 2, 1), Tensor.onDefault().randn(Shape.of(1, 2, 5, 5), new Rng(4)));
    }

    @Test
    void rejectsAnInputThatIsNotFourDimensional() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AvgPool2d(2).forward(Tensor.onDefault().zeros(Shape.of(4, 4))));
        assertTrue(e.getMessage().contains("[4, 4]"), e.getMessage());
    }
}

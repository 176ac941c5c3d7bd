package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MaxPool2dTest {

    @Test
    void forwardTakesTheMaximumOfEachWindow() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {
            1, 5, 2, 0,
            3, 4, 8, 1,
            0, 0, 1, 2,
            9, 0, 3, 4}, Shape.of(1, 1, 4, 4));
        Tensor y = new MaxPool2d(2).forward(x);
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape().dims());
        assertArrayEquals(new float[] {5, 8, 9, 4}, y.toFloatArray());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new MaxPool2d(2), LayerGradients.distinct(Shape.of(2, 3, 6, 6), 1));
    }

    @Test
    void overlappingPaddedGradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new MaxPool2d(3, 2, 1), LayerGradients.distinct(Shape.of(1, 2, 7, 7), 2));
    }

    @Test
    void rejectsPaddingOverHalfTheKernel() {
        assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2));
    }
}

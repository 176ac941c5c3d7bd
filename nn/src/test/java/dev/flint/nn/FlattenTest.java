package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class FlattenTest {

    @Test
    void keepsTheBatchDimensionAndTheOrderOfElements() {
        Tensor x = Tensor.onDefault().randn(Shape.of(2, 3, 4, 5), new Rng(1));
        Tensor y = new Flatten().forward(x);
        assertArrayEquals(new int[] {2, 60}, y.shape().dims());
        assertArrayEquals(x.toFloatArray(), y.toFloatArray());
        assertArrayEquals(new int[] {120}, new Flatten(0).forward(x).shape().dims());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new Flatten(), Tensor.onDefault().randn(Shape.of(2, 2, 3), new Rng(2)));
    }

    @Test
    void rejectsAnInputWithoutDimensionsToFlatten() {
        assertThrows(IllegalArgumentException.class, () -> new Flatten(2).forward(Tensor.onDefault().zeros(Shape.of(3, 4))));
    }
}

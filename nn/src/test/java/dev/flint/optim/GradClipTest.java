package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

    private static Tensor withGrad(float[] grad) {
        Tensor p = Tensor.onDefault().zeros(Shape.of(grad.length)).requiresGrad(true);
        p.setGrad(Tensor.onDefault().fromFloats(grad, Shape.of(grad.length)));
        return p;
    }

    @Test
    void scalesAllGradientsTogetherWhenTheGlobalNormIsTooLarge() {
        Tensor a = withGrad(new float[] {3, 4});
        Tensor b = withGrad(new float[] {12});
        Tensor none = Tensor.onDefault().zeros(Shape.of(3)).requiresGrad(true);
        // sqrt(9 + 16 + 144) = 13; clipping to 6.5 halves every gradient.
        assertEquals(13f, GradClip.clipGradNorm(List.of(a, b, none), 6.5f), 1e-5f);
        assertArrayEquals(new float[] {1.5f, 2f}, a.grad().toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {6f}, b.grad().toFloatArray(), 1e-5f);
    }

    @Test
    void leavesSmallGradientsAlone() {
        Tensor a = withGrad(new float[] {3, 4});
        assertEquals(5f, GradClip.clipGradNorm(List.of(a), 20f), 1e-6f);
        assertArrayEquals(new float[] {3, 4}, a.grad().toFloatArray());
    }

    @Test
    void rejectsANonPositiveMaximum() {
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(), 0f));
    }
}

package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.testing.CountingBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

    private static Tensor withGrad(Backend backend, float[] grad) {
        Tensor p = Tensor.on(backend).zeros(Shape.of(grad.length)).requiresGrad(true);
        p.setGrad(Tensor.on(backend).fromFloats(grad, Shape.of(grad.length)));
        return p;
    }

    private static Tensor withGrad(float[] grad) {
        return withGrad(Backends.defaultBackend(), grad);
    }

    @Test
    void scalesAllGradientsTogetherWhenTheGlobalNormIsTooLarge() {
        Tensor a = withGrad(new float[] {3, 4});
        Tensor b = withGrad(new float[] {12});
        Tensor none = Tensor.onDefault().zeros(Shape.of(3)).requiresGrad(true);
        // sqrt(9 + 16 + 144) = 13; clipping to 6.5 halves every gradient.
        try (Tensor norm = GradClip.clipGradNorm(List.of(a, b, none), 6.5f)) {
            assertEquals(13f, norm.item(), 1e-5f);
        }
        assertArrayEquals(new float[] {1.5f, 2f}, a.grad().toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {6f}, b.grad().toFloatArray(), 1e-5f);
    }

    @Test
    void leavesSmallGradientsAlone() {
        Tensor a = withGrad(new float[] {3, 4});
        try (Tensor norm = GradClip.clipGradNorm(List.of(a), 20f)) {
            assertEquals(5f, norm.item(), 1e-6f);
        }
        assertArrayEquals(new float[] {3, 4}, a.grad().toFloatArray());
    }

    @Test
    void withoutGradientsTheNormIsZero() {
        Tensor none = Tensor.onDefault().zeros(Shape.of(3)).requiresGrad(true);
        try (Tensor norm = GradClip.clipGradNorm(List.of(none), 1f)) {
            assertEquals(0f, norm.item());
        }
    }

    @Test
    void clipsWithoutReadingAnythingBackFromTheDevice() {
        CountingBackend counting = CountingBackend.wrap(Backends.defaultBackend());
        List<Tensor> params = List.of(withGrad(counting.backend(), new float[] {30, 40}),
                withGrad(counting.backend(), new float[] {0, 0, 120}));
        counting.forbidHostSyncs(true);
        Tensor norm = GradClip.clipGradNorm(params, 1f);
        counting.forbidHostSyncs(false);
        assertEquals(130f, norm.item(), 1e-3f);
        assertArrayEquals(new float[] {30 / 130f, 40 / 130f}, params.get(0).grad().toFloatArray(), 1e-6f);
    }

    @Test
    void rejectsANonPositiveMaximum() {
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(), 0f));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(), Float.POSITIVE_INFINITY));
    }
}

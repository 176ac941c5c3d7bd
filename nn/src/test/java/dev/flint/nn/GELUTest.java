package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GELUTest {

    @Test
    void matchesPyTorchsGeluInBothForms() {
        Tensor x = Tensor.onDefault().fromFloats(new float[] {-3, -1, 0, 0.5f, 2}, Shape.of(5));
        // torch.nn.GELU()(x) and torch.nn.GELU(approximate='tanh')(x), torch 1.13
        float[] exact = {-0.00404986739f, -0.158655286f, 0f, 0.345731199f, 1.95449996f};
        float[] tanh = {-0.00363743305f, -0.158807993f, 0f, 0.345714003f, 1.95459771f};
        assertArrayEquals(exact, new GELU().forward(x).toFloatArray(), 2e-6f);
        assertArrayEquals(tanh, new GELU(GELU.Approximation.TANH).forward(x).toFloatArray(), 2e-6f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradients.assertGradients(new GELU(), Tensor.onDefault().randn(Shape.of(4, 5), new Rng(3)));
        LayerGradients.assertGradients(new GELU(GELU.Approximation.TANH),
                Tensor.onDefault().randn(Shape.of(4, 5), new Rng(4)));
    }

    @Test
    void saysWhichForm() {
        assertEquals("GELU", new GELU().toString());
        assertEquals("GELU(approximate=tanh)", new GELU(GELU.Approximation.TANH).toString());
    }
}

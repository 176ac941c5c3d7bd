package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerNormTest {

    @Test
    void matchesPyTorchsLayerNorm() {
        try (LayerNorm ln = new LayerNorm(6)) {
            ln.loadStateDict(Map.of(
                    "weight", Tensor.onDefault().fromFloats(LayerValues.plus(LayerValues.wave(6, 0.5, 0.3, 0.5), 1f),
                            Shape.of(6)),
                    "bias", LayerValues.wave(Shape.of(6), 0.9, 0.2, 0.3)));
            Tensor x = Tensor.onDefault().fromFloats(LayerValues.plus(LayerValues.wave(36, 0.37, 0.1, 2.0), 1f),
                    Shape.of(2, 3, 6));
            // scripts/pytorch/layer_values.py, torch 1.13: torch.nn.LayerNorm(6)(x)
            float[] expected = {
            -2.05901742f, -0.74948597f, 0.507671535f, 1.19016671f, 1.12361324f,
            0.553998709f, 1.73277688f, 1.52994883f, 0.710297048f, -0.461235821f,
            -1.4787302f, -1.91161704f, -1.063555f, -1.04648733f, -0.653094053f,
            0.0741651133f, 0.952569187f, 1.73291135f, -2.08907056f, -0.111677945f,
            1.39526093f, 1.70313847f, 0.769102097f, -0.76411289f, 1.89247811f,
            1.47896659f, 0.519555867f, -0.642816365f, -1.5042634f, -1.71568441f,
            -1.35531533f, -1.03769457f, -0.41897881f, 0.341610938f, 1.04745972f,
            1.54698503f};
            assertArrayEquals(expected, ln.forward(x).toFloatArray(), 2e-6f);
        }
    }

    @Test
    void startsAsThePlainNormalization() {
        try (LayerNorm ln = new LayerNorm(4)) {
            assertArrayEquals(new float[] {1, 1, 1, 1}, ln.weight().toFloatArray());
            assertArrayEquals(new float[] {0, 0, 0, 0}, ln.bias().toFloatArray());
            Tensor x = Tensor.onDefault().fromFloats(new float[] {1, 2, 3, 4}, Shape.of(1, 4));
            // mean 2.5, biased variance 1.25
            float s = (float) (1 / Math.sqrt(1.25 + 1e-5));
            assertArrayEquals(new float[] {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s}, ln.forward(x).toFloatArray(),
                    1e-6f);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        try (LayerNorm ln = new LayerNorm(5)) {
            ln.loadStateDict(Map.of("weight", LayerValues.wave(Shape.of(5), 0.7, 0.4, 1.0),
                    "bias", LayerValues.wave(Shape.of(5), 0.3, 0.9, 0.5)));
            LayerGradients.assertGradients(ln, Tensor.onDefault().randn(Shape.of(2, 3, 5), new Rng(5)));
        }
    }

    @Test
    void withoutAffineHasNoParameters() {
        try (LayerNorm ln = new LayerNorm(5, 1e-3f, false)) {
            assertTrue(ln.parameters().isEmpty());
            assertNull(ln.weight());
            LayerGradients.assertGradients(ln, Tensor.onDefault().randn(Shape.of(4, 5), new Rng(6)));
            assertEquals("LayerNorm(5, eps=0.001, elementwise_affine=false)", ln.toString());
        }
    }

    @Test
    void rejectsAnInputOfTheWrongWidthNamingIt() {
        try (LayerNorm ln = new LayerNorm(5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ln.forward(Tensor.onDefault().zeros(Shape.of(3, 6))));
            assertTrue(e.getMessage().contains("[3, 6]") && e.getMessage().contains("(..., 5)"), e.getMessage());
        }
    }
}

package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MultiHeadAttentionTest {
    private static final int C = 8;

    /** The weights of scripts/pytorch/layer_values.py. */
    private static void loadScriptWeights(MultiHeadAttention attn) {
        attn.loadStateDict(Map.of(
                "qkv.weight", LayerValues.wave(Shape.of(3 * C, C), 0.13, 0.5, 0.4),
                "qkv.bias", LayerValues.wave(Shape.of(3 * C), 0.7, 0.1, 0.1),
                "proj.weight", LayerValues.wave(Shape.of(C, C), 0.29, 0.9, 0.4),
                "proj.bias", LayerValues.wave(Shape.of(C), 0.31, 0.6, 0.1)));
    }

    @Test
    void matchesNanoGptsCausalSelfAttention() {
        Tensor x = LayerValues.wave(Shape.of(2, 3, C), 0.19, 0.3, 1.0);
        // scripts/pytorch/layer_values.py, torch 1.13: c_attn, split into 2 heads, causal softmax, c_proj
        float[] causal = {
            0.0574207082f, 0.525087953f, -0.514735937f, 0.482822746f, 0.183483362f,
            -0.417835653f, 0.659051836f, -0.274049491f, 0.0097522065f, 0.400095314f,
            -0.296813369f, 0.310980648f, 0.199628979f, -0.267985702f, 0.438793868f,
            -0.123883396f, -0.0671527758f, 0.639639735f, -0.546194673f, 0.411121488f,
            0.312607348f, -0.522015691f, 0.671832681f, -0.187278405f, 0.229258269f,
            -0.443274826f, 0.632444978f, -0.111402996f, -0.154295653f, 0.636482716f,
            -0.439268768f, 0.167667404f, 0.401149422f, -0.686915994f, 0.792420328f,
            -0.0856660977f, -0.349327445f, 0.876401007f, -0.571032405f, 0.107225925f,
            0.336618721f, -0.629492521f, 0.77873379f, -0.12444707f, -0.282817036f,
            0.824587226f, -0.566966772f, 0.153501824f};
        float[] full = {
            0.282566488f, -0.704988122f, 0.935619652f, -0.262647361f, -0.251458466f,
            0.920073807f, -0.728388548f, 0.277889878f, 0.201283425f, -0.585161924f,
            0.853685975f, -0.270870835f, -0.158323616f, 0.80143714f, -0.65992713f,
            0.303274333f, -0.0671527758f, 0.639639735f, -0.546194673f, 0.411121488f,
            0.312607348f, -0.522015691f, 0.671832681f, -0.187278405f, -0.0010817498f,
            0.542912006f, -0.480511725f, 0.418381631f, 0.237035155f, -0.426338136f,
            0.617081344f, -0.208378494f, 0.585206926f, -1.05135608f, 1.10477114f,
            -0.14668256f, -0.578566968f, 1.24966741f, -0.850223303f, 0.114248872f,
            0.336618721f, -0.629492521f, 0.77873379f, -0.12444707f, -0.282817036f,
            0.824587226f, -0.566966772f, 0.153501824f};
        try (MultiHeadAttention attn = new MultiHeadAttention(C, 2, true, new Rng(1));
             MultiHeadAttention all = new MultiHeadAttention(C, 2, false, new Rng(1))) {
            loadScriptWeights(attn);
            loadScriptWeights(all);
            assertArrayEquals(causal, attn.forward(x).toFloatArray(), 2e-6f);
            assertArrayEquals(full, all.forward(x).toFloatArray(), 2e-6f);
        }
    }

    @Test
    void hasGpt2sParameterLayout() {
        try (MultiHeadAttention attn = new MultiHeadAttention(C, 2, true, new Rng(2))) {
            assertEquals(List.of("qkv.weight", "qkv.bias", "proj.weight", "proj.bias"),
                    List.copyOf(attn.namedParameters().keySet()));
            assertEquals(Shape.of(3 * C, C), attn.qkv().weight().shape());
            assertEquals(4 * C * C + 4 * C, attn.parameterCount());
        }
        try (MultiHeadAttention noBias = new MultiHeadAttention(C, 4, true, 0f, false, new Rng(3))) {
            assertEquals(List.of("qkv.weight", "proj.weight"), List.copyOf(noBias.namedParameters().keySet()));
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        try (MultiHeadAttention attn = new MultiHeadAttention(6, 3, true, new Rng(4))) {
            LayerGradients.assertGradients(attn, Tensor.onDefault().randn(Shape.of(2, 4, 6), new Rng(5)));
        }
        try (MultiHeadAttention attn = new MultiHeadAttention(4, 2, false, 0f, false, new Rng(6))) {
            LayerGradients.assertGradients(attn, Tensor.onDefault().randn(Shape.of(1, 3, 4), new Rng(7)));
        }
    }

    @Test
    void theComposedDropoutPathComputesTheSameAttention() {
        // A dropout probability so small that no element is dropped: the training path (attention weights
        // materialized, then dropped) must agree with the fused one, values and gradients.
        Tensor x = LayerValues.wave(Shape.of(2, 3, C), 0.19, 0.3, 1.0);
        try (MultiHeadAttention fused = new MultiHeadAttention(C, 2, true, new Rng(1));
             MultiHeadAttention composed = new MultiHeadAttention(C, 2, true, 1e-12f, true, new Rng(1))) {
            loadScriptWeights(fused);
            loadScriptWeights(composed);
            assertArrayEquals(fused.forward(x).toFloatArray(), composed.forward(x).toFloatArray(), 2e-6f);
            fused.forward(x).square().sum().backward();
            composed.forward(x).square().sum().backward();
            assertArrayEquals(fused.qkv().weight().grad().toFloatArray(),
                    composed.qkv().weight().grad().toFloatArray(), 2e-5f);
            composed.eval();
            assertArrayEquals(fused.forward(x).toFloatArray(), composed.forward(x).toFloatArray(), 2e-6f);
        }
    }

    @Test
    void anAdditiveMaskHidesKeys() {
        try (MultiHeadAttention attn = new MultiHeadAttention(C, 2, false, new Rng(8))) {
            Tensor x = LayerValues.wave(Shape.of(2, 3, C), 0.19, 0.3, 1.0);
            float inf = Float.NEGATIVE_INFINITY;
            // (B, 1, 1, T) padding mask: batch 0 sees keys 0 and 1, batch 1 sees key 0 only
            Tensor mask = Tensor.onDefault().fromFloats(new float[] {0, 0, inf, 0, inf, inf}, Shape.of(2, 1, 1, 3));
            float[] masked = attn.forward(x, mask).toFloatArray();
            // changing the hidden positions' inputs changes nothing
            float[] xv = x.toFloatArray();
            for (int c = 0; c < C; c++) {
                xv[2 * C + c] += 5;          // batch 0, position 2
                xv[3 * C + C + c] -= 3;      // batch 1, position 1
            }
            Tensor x2 = Tensor.onDefault().fromFloats(xv, x.shape());
            float[] again = attn.forward(x2, mask).toFloatArray();
            for (int t = 0; t < 2; t++) {
                for (int c = 0; c < C; c++) {
                    assertEquals(masked[t * C + c], again[t * C + c], 1e-6f, "batch 0, position " + t);
                }
            }
            assertEquals(masked[3 * C], again[3 * C], 1e-6f, "batch 1, position 0");
        }
    }

    @Test
    void rejectsBadShapesNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MultiHeadAttention(10, 3, true, new Rng(1)));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("3"), e.getMessage());
        try (MultiHeadAttention attn = new MultiHeadAttention(C, 2, true, new Rng(1))) {
            e = assertThrows(IllegalArgumentException.class, () -> attn.forward(Tensor.onDefault().zeros(Shape.of(3, C))));
            assertTrue(e.getMessage().contains("(B, T, 8)"), e.getMessage());
        }
    }

    @Test
    void describesItself() {
        try (MultiHeadAttention attn = new MultiHeadAttention(C, 2, true, new Rng(1))) {
            assertTrue(attn.toString().startsWith("MultiHeadAttention(embed_dim=8, heads=2, causal)"), attn.toString());
        }
        GradCheck.Options.defaults();
    }
}

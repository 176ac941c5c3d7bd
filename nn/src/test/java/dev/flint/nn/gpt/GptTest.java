package dev.flint.nn.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.optim.AdamW;
import dev.flint.optim.ParamGroup;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GptTest {
    private static final Backend BACKEND = Backends.defaultBackend();
    private static final GptConfig TINY = new GptConfig(11, 8, 2, 2, 16, 0f);

    @Test
    void namesShapesAndCountAreNanoGpts() {
        try (Gpt gpt = new Gpt(TINY, new Rng(1), BACKEND)) {
            Map<String, Tensor> p = gpt.namedParameters();
            assertEquals(Shape.of(11, 16), p.get("wte.weight").shape());
            assertEquals(Shape.of(8, 16), p.get("wpe.weight").shape());
            assertEquals(Shape.of(48, 16), p.get("h.0.attn.qkv.weight").shape());
            assertEquals(Shape.of(16, 16), p.get("h.1.attn.proj.weight").shape());
            assertEquals(Shape.of(64, 16), p.get("h.0.mlp.fc.weight").shape());
            assertEquals(Shape.of(16, 64), p.get("h.0.mlp.proj.weight").shape());
            assertNotNull(p.get("ln_f.bias"));
            assertEquals(TINY.parameterCount(), gpt.parameterCount());
            // nanoGPT's groups: every rank-2 tensor decays; biases and LayerNorm weights do not.
            List<ParamGroup> groups = ParamGroup.decayMatricesOnly(gpt.parameters(), 0.1f);
            assertEquals(2 + 2 * 4, groups.get(0).params().size());
        }
    }

    @Test
    void initialisationIsNanoGpts() {
        GptConfig wide = new GptConfig(64, 64, 2, 2, 64, 0f);
        try (Gpt gpt = new Gpt(wide, new Rng(1), BACKEND)) {
            Map<String, Tensor> p = gpt.namedParameters();
            assertEquals(0.02, std(p.get("h.0.mlp.fc.weight")), 0.002);
            assertEquals(0.02, std(p.get("wte.weight")), 0.002);
            assertEquals(0.02 / Math.sqrt(4), std(p.get("h.1.mlp.proj.weight")), 0.001);
            assertEquals(0.02 / Math.sqrt(4), std(p.get("h.1.attn.proj.weight")), 0.001);
            assertArrayEquals(new float[192], p.get("h.0.attn.qkv.bias").toFloatArray());
        }
    }

    private static double std(Tensor t) {
        float[] v = t.toFloatArray();
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s / v.length);
    }

    @Test
    void logitsAreCausalAndTheHeadIsTied() {
        try (Gpt gpt = new Gpt(TINY, new Rng(2), BACKEND); Scope scope = Scope.open()) {
            Tensor a = Tensor.on(BACKEND).fromInts(new int[] {1, 2, 3, 4, 5}, Shape.of(1, 5));
            Tensor b = Tensor.on(BACKEND).fromInts(new int[] {1, 2, 3, 9, 0}, Shape.of(1, 5));
            float[] la = gpt.forward(a).toFloatArray();
            float[] lb = gpt.forward(b).toFloatArray();
            assertEquals(5 * 11, la.length);
            // Positions 0..2 see the same tokens, so the same logits; position 3 differs.
            assertArrayEquals(java.util.Arrays.copyOf(la, 33), java.util.Arrays.copyOf(lb, 33), 1e-5f);
            assertTrue(Math.abs(la[33] - lb[33]) + Math.abs(la[40] - lb[40]) > 1e-6);
            // One tensor serves the embedding and the output layer: the gradient has both parts.
            Tensor wte = gpt.namedParameters().get("wte.weight");
            gpt.loss(a, b).backward();
            float[] g = wte.grad().toFloatArray();
            // Token 10 never appears as input, so only the output layer gives its row a gradient.
            double row10 = 0;
            for (int j = 0; j < 16; j++) {
                row10 += Math.abs(g[10 * 16 + j]);
            }
            assertTrue(row10 > 0, "the tied output layer sends gradient to unused tokens' rows");
        }
    }

    @Test
    void initialLossIsNearLogVocabAndItLearnsASequence() {
        try (Gpt gpt = new Gpt(TINY, new Rng(3), BACKEND);
             AdamW opt = new AdamW(ParamGroup.decayMatricesOnly(gpt.parameters(), 0.1f), 1e-2f, 0.9f, 0.99f, 1e-8f,
                     0.1f)) {
            int[] seq = {3, 1, 4, 1, 5, 9, 2, 6, 5};
            int[] x = java.util.Arrays.copyOf(seq, 8);
            int[] y = java.util.Arrays.copyOfRange(seq, 1, 9);
            Tensor xi = Tensor.on(BACKEND).fromInts(x, Shape.of(1, 8));
            Tensor yi = Tensor.on(BACKEND).fromInts(y, Shape.of(1, 8));
            float first;
            try (Scope s = Scope.open()) {
                first = gpt.loss(xi, yi).item();
            }
            assertEquals(Math.log(11), first, 0.1);
            float last = 0;
            for (int step = 0; step < 60; step++) {
                try (Scope s = Scope.open()) {
                    opt.zeroGrad();
                    Tensor loss = gpt.loss(xi, yi);
                    loss.backward();
                    opt.step();
                    last = loss.item();
                }
            }
            assertTrue(last < 0.1, "loss after 60 steps " + last);
            // Greedy-ish sampling now continues the memorised sequence.
            int[] out = gpt.generate(new int[] {3, 1, 4}, 5, new Sampler(0.01f, 1, new Rng(1)));
            assertArrayEquals(new int[] {1, 5, 9, 2, 6}, out);
            assertTrue(gpt.isTraining(), "generate restores the mode");
            xi.close();
            yi.close();
        }
    }

    @Test
    void generationRepeatsWithTheSeedAndSlidesPastTheContext() {
        try (Gpt gpt = new Gpt(TINY, new Rng(4), BACKEND)) {
            int[] a = gpt.generate(new int[] {1}, 20, new Sampler(1f, 0, new Rng(7)));
            int[] b = gpt.generate(new int[] {1}, 20, new Sampler(1f, 0, new Rng(7)));
            assertEquals(20, a.length);
            assertArrayEquals(a, b);
            assertThrows(IllegalArgumentException.class, () -> gpt.generate(new int[0], 1,
                    new Sampler(1f, 0, new Rng(7))));
            Tensor tooLong = Tensor.on(BACKEND).fromInts(new int[9], Shape.of(1, 9));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt.forward(tooLong));
            assertTrue(e.getMessage().contains("9 tokens exceed the context length 8"), e.getMessage());
            tooLong.close();
        }
    }

    @Test
    void badConfigsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(10, 8, 2, 3, 16, 0f));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(10, 0, 2, 2, 16, 0f));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(10, 8, 2, 2, 16, 1f));
    }
}

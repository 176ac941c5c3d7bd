package dev.flint.nn.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.optim.GptTrainingReference;
import dev.flint.tensor.Rng;
import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void probabilitiesAreNanoGptsAfterTemperatureAndTopK() {
        GptTrainingReference ref = GptTrainingReference.load();
        float[] logits = GptTrainingReference.floats(ref.line("logits "));
        int checked = 0;
        for (String line : ref.lines()) {
            if (!line.startsWith("probs ")) {
                continue;
            }
            String[] head = line.split(" ");
            float temperature = Float.parseFloat(head[1]);
            int k = Integer.parseInt(head[2]);
            float[] expected = GptTrainingReference.floats(line);
            double[] p = new Sampler(temperature, k, new Rng(0)).probabilities(logits);
            for (int i = 0; i < p.length; i++) {
                assertEquals(expected[i], p[i], 1e-6, line + ", token " + i);
            }
            checked++;
        }
        assertEquals(6, checked);
    }

    @Test
    void drawsFollowTheDistribution() {
        float[] logits = {2f, 1f, 0f, -1f, 0.5f};
        Sampler s = new Sampler(0.9f, 3, new Rng(3));
        double[] p = s.probabilities(logits);
        int n = 200_000;
        int[] counts = new int[logits.length];
        for (int i = 0; i < n; i++) {
            counts[s.next(logits)]++;
        }
        assertEquals(0, counts[2]);
        assertEquals(0, counts[3]);
        for (int i = 0; i < logits.length; i++) {
            double sd = Math.sqrt(n * p[i] * (1 - p[i]));
            assertEquals(n * p[i], counts[i], 5 * sd + 1, "token " + i);
        }
    }

    @Test
    void sameSeedSameTokens() {
        float[] logits = {0.1f, 0.2f, 0.3f, 0.4f};
        int[] a = new int[50];
        int[] b = new int[50];
        Sampler s1 = new Sampler(1f, 0, new Rng(9));
        Sampler s2 = new Sampler(1f, 0, new Rng(9));
        for (int i = 0; i < 50; i++) {
            a[i] = s1.next(logits);
            b[i] = s2.next(logits);
        }
        assertArrayEquals(a, b);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(0f, 0, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, -1, new Rng(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sampler(1f, 0, new Rng(1)).next(new float[] {1f, Float.NaN}));
        assertTrue(e.getMessage().contains("logit 1 of 2 is NaN"), e.getMessage());
    }
}

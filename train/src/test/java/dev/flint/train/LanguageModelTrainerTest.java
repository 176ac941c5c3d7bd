package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.data.text.CharTokenizer;
import dev.flint.data.text.TokenBatch;
import dev.flint.data.text.TokenWindows;
import dev.flint.nn.Init;
import dev.flint.nn.Module;
import dev.flint.optim.AdamW;
import dev.flint.optim.ParamGroup;
import dev.flint.optim.WarmupCosineLR;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LanguageModelTrainerTest {
    private static final Backend BACKEND = Backends.get("reference");
    private static final String TEXT = "the cat sat on the mat. the dog sat on the log. ".repeat(40);

    /** Logits of the next token from the current one alone: a (V, V) table, plus a bias. (B, T) -> (B, T, V). */
    static final class Bigram extends Module {
        private final int vocab;

        Bigram(int vocab, Rng rng) {
            this.vocab = vocab;
            registerParameter("table", Init.normal(Shape.of(vocab, vocab), 0.1, rng, BACKEND));
            registerParameter("bias", Tensor.on(BACKEND).zeros(Shape.of(vocab)));
        }

        @Override
        public Tensor forward(Tensor idx) {
            Tensor rows = parameter("table").indexSelect(idx.reshape(idx.size()));
            return rows.add(parameter("bias")).reshape(idx.dim(0), idx.dim(1), vocab);
        }
    }

    private static TokenWindows.Split split(int context) {
        CharTokenizer tok = CharTokenizer.fit(TEXT);
        return TokenWindows.split(tok.encode(TEXT), context, 0.9);
    }

    @Test
    void learnsAndEvaluatesOnSchedule() {
        TokenWindows.Split split = split(8);
        int vocab = CharTokenizer.fit(TEXT).vocabSize();
        List<Integer> evaluated = new ArrayList<>();
        int[] iterations = {0};
        try (Bigram model = new Bigram(vocab, new Rng(1));
             AdamW opt = new AdamW(ParamGroup.decayMatricesOnly(model.parameters(), 0f), 0.1f, 0.9f, 0.99f, 1e-8f,
                     0f)) {
            LanguageModelTrainer.Config cfg = LanguageModelTrainer.Config.builder().iterations(150).batchSize(8)
                    .evalInterval(50).evalWindows(32).seed(3).listener(new LanguageModelTrainer.Listener() {
                        @Override
                        public void onIteration(int iteration, double loss, float lr, double seconds) {
                            assertEquals(iterations[0]++, iteration);
                        }

                        @Override
                        public void onEvaluation(LanguageModelTrainer.Evaluation e) {
                            evaluated.add(e.iteration());
                        }
                    }).build();
            LanguageModelTrainer trainer = new LanguageModelTrainer(model, opt, new WarmupCosineLR(opt, 5, 150, 1e-2f),
                    cfg);
            double before = trainer.meanLoss(split.validation(), split.validation().evenlySpacedOffsets(32), BACKEND);
            LanguageModelTrainer.Result r = trainer.fit(split, BACKEND);
            assertEquals(List.of(0, 50, 100, 150), evaluated);
            assertEquals(150, r.losses().length);
            assertEquals(150, iterations[0]);
            assertEquals(1e-2f, opt.lr(), 1e-9f, "the schedule reached its floor");
            // From ln(vocab) ~ 2.8 to near the best a bigram model can do: the text's conditional entropy.
            assertTrue(before > 2.5, "before " + before);
            double floor = bigramEntropy(split.train());
            assertTrue(r.last().validationLoss() < floor + 0.1, "after " + r.last().validationLoss() + ", floor " + floor);
            assertTrue(r.medianStepSeconds() > 0);
            assertEquals("finished 150 iterations", r.stopReason());
        }
    }

    /** -sum p(a, b) ln p(b | a) over consecutive tokens: the lowest mean loss of any bigram model. */
    private static double bigramEntropy(TokenWindows w) {
        int v = 64;
        double[][] counts = new double[v][v];
        for (int i = 0; i + 1 < w.tokenCount(); i++) {
            counts[w.token(i)][w.token(i + 1)]++;
        }
        double h = 0;
        double n = w.tokenCount() - 1;
        for (double[] row : counts) {
            double rowSum = 0;
            for (double c : row) {
                rowSum += c;
            }
            for (double c : row) {
                if (c > 0) {
                    h -= c / n * Math.log(c / rowSum);
                }
            }
        }
        return h;
    }

    @Test
    void twoMicroBatchesOfSixStepAsOneBatchOfTwelve() {
        TokenWindows.Split split = split(8);
        int vocab = CharTokenizer.fit(TEXT).vocabSize();
        int[] offsets = new int[4 * 12];
        Rng rng = new Rng(9);
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = rng.nextInt(split.train().size());
        }
        float[] one = trainWith(split, vocab, 12, 1, offsets);
        float[] two = trainWith(split, vocab, 6, 2, offsets);
        assertArrayEquals(one, two, 2e-6f);
    }

    private static float[] trainWith(TokenWindows.Split split, int vocab, int batch, int micros, int[] offsets) {
        try (Bigram model = new Bigram(vocab, new Rng(1));
             AdamW opt = new AdamW(ParamGroup.decayMatricesOnly(model.parameters(), 0.1f), 1e-2f, 0.9f, 0.99f, 1e-8f,
                     0.1f)) {
            LanguageModelTrainer.Config cfg = LanguageModelTrainer.Config.builder().iterations(4).batchSize(batch)
                    .gradAccumulation(micros).gradClipNorm(0.5f).evalInterval(0).evalWindows(4).build();
            LanguageModelTrainer trainer = new LanguageModelTrainer(model, opt, null, cfg);
            trainer.fit((it, micro) -> split.train().batch(offsets, it * 12 + micro * batch, batch, BACKEND), split,
                    BACKEND);
            return model.parameters().get(0).toFloatArray();
        }
    }

    @Test
    void aModelOfTheWrongShapeIsNamed() {
        TokenWindows.Split split = split(8);
        try (Module flat = new Module() {
            private final Tensor w = registerParameter("w", Tensor.on(BACKEND).zeros(Shape.of(3)));

            @Override
            public Tensor forward(Tensor idx) {
                return w.mul(1f);
            }
        }; AdamW opt = new AdamW(flat.parameters(), 1e-3f)) {
            LanguageModelTrainer trainer = new LanguageModelTrainer(flat, opt, null,
                    LanguageModelTrainer.Config.builder().iterations(1).batchSize(2).build());
            try (TokenBatch b = split.train().randomBatch(2, new Rng(1), BACKEND)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.lossOf(b));
                assertTrue(e.getMessage().contains("[2, 8] to logits (B, T, vocab), got [3]"), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> LanguageModelTrainer.Config.builder().gradAccumulation(0).build());
    }
}

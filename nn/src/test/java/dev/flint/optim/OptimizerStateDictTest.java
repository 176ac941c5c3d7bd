package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class OptimizerStateDictTest {
    private static final int STEPS = 6;
    private static final int SAVED_AFTER = 3;

    /** Two parameters of different shapes; only the first gets a gradient in the first step. */
    private static List<Tensor> parameters() {
        Rng rng = new Rng(11);
        return List.of(Tensor.onDefault().randn(Shape.of(2, 3), rng).requiresGrad(true),
                Tensor.onDefault().randn(Shape.of(4), rng).requiresGrad(true));
    }

    private static void giveGradients(List<Tensor> params, int step) {
        Rng rng = new Rng(100 + step);
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            p.setGrad(step == 0 && i == 1 ? null : Tensor.onDefault().randn(p.shape(), rng));
        }
    }

    private static List<float[]> values(List<Tensor> params) {
        List<float[]> out = new ArrayList<>();
        params.forEach(p -> out.add(p.toFloatArray()));
        return out;
    }

    /**
     * Steps {@code STEPS} times without a break, then again with a fresh optimizer (and fresh parameters
     * holding the saved values) loaded from the state after {@code SAVED_AFTER} steps: bit for bit the same.
     */
    private static void resumesExactly(Function<List<Tensor>, Optimizer> make) {
        List<Tensor> straight = parameters();
        List<float[]> savedParams = null;
        Map<String, Tensor> saved = null;
        int savedEpochs = -1;
        float savedBaseLr = Float.NaN;
        try (Optimizer opt = make.apply(straight)) {
            StepLR schedule = new StepLR(opt, 2, 0.5f);
            for (int step = 0; step < STEPS; step++) {
                if (step == SAVED_AFTER) {
                    savedParams = values(straight);
                    saved = opt.stateDict();
                    savedEpochs = schedule.epoch();
                    savedBaseLr = schedule.baseLr();
                }
                giveGradients(straight, step);
                opt.step();
                schedule.step();
            }
        }
        List<Tensor> resumed = parameters();
        for (int i = 0; i < resumed.size(); i++) {
            resumed.get(i).copyFrom(Tensor.onDefault().fromFloats(savedParams.get(i), resumed.get(i).shape()));
        }
        try (Optimizer opt = make.apply(resumed)) {
            StepLR schedule = new StepLR(opt, 2, 0.5f);
            opt.loadStateDict(saved);
            schedule.restore(savedEpochs, savedBaseLr);
            for (int step = SAVED_AFTER; step < STEPS; step++) {
                giveGradients(resumed, step);
                opt.step();
                schedule.step();
            }
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i).toFloatArray(), resumed.get(i).toFloatArray(), 0f,
                    make.apply(parameters()) + ": parameter " + i + " after resuming");
        }
    }

    @Test
    void sgdWithMomentumResumesBitForBit() {
        resumesExactly(p -> new SGD(p, 0.1f, 0.9f, 0f, 1e-3f, true));
    }

    @Test
    void adamResumesBitForBit() {
        resumesExactly(p -> new Adam(p, 0.01f));
    }

    @Test
    void adamWResumesBitForBit() {
        resumesExactly(p -> new AdamW(p, 0.01f));
    }

    @Test
    void plainSgdResumesBitForBit() {
        resumesExactly(p -> new SGD(p, 0.1f));
    }

    @Test
    void theStateNamesTheBuffersAsPyTorchDoesAndCountsAdamsSteps() {
        List<Tensor> params = parameters();
        try (Adam adam = new Adam(params, 0.01f); SGD sgd = new SGD(params, 0.1f, 0.9f, 0f, 0f, false);
             SGD plain = new SGD(params, 0.1f)) {
            for (int step = 0; step < 2; step++) {
                giveGradients(params, step);
                adam.step();
                sgd.step();
                plain.step();
            }
            Map<String, Tensor> a = adam.stateDict();
            assertEquals(Set.of("lr", "0.exp_avg", "0.exp_avg_sq", "0.step", "1.exp_avg", "1.exp_avg_sq", "1.step"),
                    a.keySet());
            assertEquals(2, a.get("0.step").item());
            assertEquals(1, a.get("1.step").item(), "parameter 1 had no gradient in the first step");
            assertEquals(Shape.of(2, 3), a.get("0.exp_avg").shape());
            assertEquals(0.01f, a.get("lr").item());
            assertEquals(Set.of("lr", "0.momentum_buffer", "1.momentum_buffer"), sgd.stateDict().keySet());
            assertEquals(Set.of("lr"), plain.stateDict().keySet());
        }
    }

    @Test
    void theSavedStateIsACopy() {
        List<Tensor> params = parameters();
        try (Adam adam = new Adam(params, 0.01f)) {
            giveGradients(params, 1);
            adam.step();
            Map<String, Tensor> saved = adam.stateDict();
            float[] before = saved.get("0.exp_avg").toFloatArray();
            adam.step();
            assertArrayEquals(before, saved.get("0.exp_avg").toFloatArray(), 0f);
            assertEquals(1, saved.get("0.step").item());
        }
    }

    @Test
    void badStateIsRejectedNamingTheKeyAndLeavesTheOptimizerAsItWas() {
        List<Tensor> params = parameters();
        try (Adam adam = new Adam(params, 0.01f); SGD sgd = new SGD(params, 0.1f, 0.9f, 0f, 0f, false)) {
            giveGradients(params, 1);
            adam.step();
            sgd.step();
            Map<String, Tensor> good = adam.stateDict();
            float[] m = good.get("0.exp_avg").toFloatArray();

            Map<String, Tensor> misshapen = new LinkedHashMap<>(good);
            misshapen.put("1.exp_avg", Tensor.onDefault().zeros(Shape.of(5)));
            assertRejected(adam, misshapen, "'1.exp_avg' must be float32 [4]", "[5]");
            Map<String, Tensor> incomplete = new LinkedHashMap<>(good);
            incomplete.remove("0.exp_avg_sq");
            assertRejected(adam, incomplete, "parameter 0 has", "but not [exp_avg_sq]");
            Map<String, Tensor> outOfRange = new LinkedHashMap<>(good);
            outOfRange.put("2.exp_avg", Tensor.onDefault().zeros(Shape.of(4)));
            assertRejected(adam, outOfRange, "unexpected key '2.exp_avg'", "[0, 2)");
            Map<String, Tensor> zeroSteps = new LinkedHashMap<>(good);
            zeroSteps.put("0.step", Tensor.onDefault().fromInts(new int[] {0}, Shape.scalar()));
            assertRejected(adam, zeroSteps, "'0.step' must be an int32 scalar >= 1");
            // Another optimizer's state: SGD's momentum buffers mean nothing to Adam.
            assertRejected(adam, sgd.stateDict(), "unexpected key '0.momentum_buffer'", "exp_avg");

            assertArrayEquals(m, adam.stateDict().get("0.exp_avg").toFloatArray(), 0f);
            assertEquals(1, adam.stateDict().get("0.step").item());
        }
    }

    private static void assertRejected(Optimizer opt, Map<String, Tensor> state, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(state));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "'" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    @Test
    void loadingRestoresTheLearningRateAndAClosedOptimizerRefuses() {
        List<Tensor> params = parameters();
        Adam adam = new Adam(params, 0.5f);
        Map<String, Tensor> state = adam.stateDict();
        adam.setLr(0.1f);
        adam.loadStateDict(state);
        assertEquals(0.5f, adam.lr());
        adam.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, adam::stateDict);
        assertTrue(e.getMessage().contains("after close"), e.getMessage());
    }
}

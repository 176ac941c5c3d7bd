package dev.flint.optim;

import static dev.flint.optim.OptimizerSteps.assertTrajectory;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradients per step: g1 = [0.5, -1], g2 = [0.25, 2]; p0 = [1, -2]; lr = 0.1, weight decay 0.1. */
class AdamWTest {

    @Test
    void decaysTheParameterBeforeTheAdamStep() {
        // Step 1: p *= 1 - 0.1 * 0.1 -> [0.99, -1.98], then the Adam step [0.1, -0.1] -> [0.89, -1.88].
        // Step 2: p *= 0.99 -> [0.8811, -1.8612], then Adam's second update of the raw gradients.
        float p2a = (float) (0.8811 - AdamTest.secondUpdate(0.1, 0.5, 0.25));
        float p2b = (float) (-1.8612 - AdamTest.secondUpdate(0.1, -1, 2));
        assertTrajectory(AdamTest.ADAM_TOL, p -> new AdamW(List.of(p), 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f),
                new float[] {0.89f, -1.88f}, new float[] {p2a, p2b});
    }

    @Test
    void defaultsArePyTorchsWithWeightDecayOneHundredth() {
        // Step 1: p *= 1 - 0.1 * 0.01, then [0.1, -0.1].
        assertTrajectory(AdamTest.ADAM_TOL, p -> new AdamW(List.of(p), 0.1f),
                new float[] {0.999f - 0.1f, -1.998f + 0.1f});
    }
}

package dev.flint.optim;

import static dev.flint.optim.OptimizerSteps.assertTrajectory;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradients per step: g1 = [0.5, -1], g2 = [0.25, 2]; p0 = [1, -2]; lr = 0.1, betas (0.9, 0.999),
 * eps 1e-8. Expected values are Adam's formulas written out term by term.
 */
class AdamTest {
    /**
     * The bias corrections {@code 1 - 0.999^t} lose about 1e-5 of relative precision in float32 (as in
     * PyTorch), which moves an update of 0.1 by about 1e-6; a wrong rule moves it by far more.
     */
    static final float ADAM_TOL = 1e-5f;

    /** One element's second update, from the first and second gradients (bias-corrected moments). */
    static double secondUpdate(double lr, double g1, double g2) {
        double m = 0.9 * (0.1 * g1) + 0.1 * g2;
        double v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
        double mHat = m / (1 - 0.9 * 0.9);
        double vHat = v / (1 - 0.999 * 0.999);
        return lr * mHat / (Math.sqrt(vHat) + 1e-8);
    }

    @Test
    void firstStepMovesEachParameterByLrAgainstTheGradientsSign() {
        // Step 1: mHat = g, vHat = g^2, so the update is lr * g / |g| = [0.1, -0.1].
        float p2a = (float) (0.9 - secondUpdate(0.1, 0.5, 0.25));
        float p2b = (float) (-1.9 - secondUpdate(0.1, -1, 2));
        assertTrajectory(ADAM_TOL, p -> new Adam(List.of(p), 0.1f),
                new float[] {0.9f, -1.9f}, new float[] {p2a, p2b});
    }

    @Test
    void weightDecayIsAnL2TermThatPassesThroughTheMoments() {
        // g1' = g1 + 0.1 p0 = [0.6, -1.2]: same signs, so step 1 is still [0.1, -0.1].
        // g2' = g2 + 0.1 p1 = [0.25 + 0.09, 2 - 0.19].
        float p2a = (float) (0.9 - secondUpdate(0.1, 0.6, 0.34));
        float p2b = (float) (-1.9 - secondUpdate(0.1, -1.2, 1.81));
        assertTrajectory(ADAM_TOL, p -> new Adam(List.of(p), 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f),
                new float[] {0.9f, -1.9f}, new float[] {p2a, p2b});
    }

    @Test
    void rejectsBetasOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(OptimizerSteps.parameter()), 0.1f, 1f, 0.999f, 1e-8f, 0f));
    }
}

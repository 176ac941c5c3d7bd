package dev.flint.optim;

import static dev.flint.optim.OptimizerSteps.assertTrajectory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradients per step: g1 = [0.5, -1], g2 = [0.25, 2], g3 = [-1, 0.5]; p0 = [1, -2]; lr = 0.1. */
class SGDTest {

    @Test
    void plainStepsAlongTheNegativeGradient() {
        // p1 = p0 - 0.1 g1 = [0.95, -1.9]; p2 = p1 - 0.1 g2 = [0.925, -2.1]; p3 = p2 - 0.1 g3 = [1.025, -2.15]
        assertTrajectory(p -> new SGD(List.of(p), 0.1f),
                new float[] {0.95f, -1.9f}, new float[] {0.925f, -2.1f}, new float[] {1.025f, -2.15f});
    }

    @Test
    void momentumAccumulatesAVelocity() {
        // v1 = g1 = [0.5, -1]                          p1 = [0.95, -1.9]
        // v2 = 0.9 v1 + g2 = [0.7, 1.1]                p2 = p1 - 0.1 v2 = [0.88, -2.01]
        // v3 = 0.9 v2 + g3 = [-0.37, 1.49]             p3 = p2 - 0.1 v3 = [0.917, -2.159]
        assertTrajectory(p -> new SGD(List.of(p), 0.1f, 0.9f, 0f, 0f, false),
                new float[] {0.95f, -1.9f}, new float[] {0.88f, -2.01f}, new float[] {0.917f, -2.159f});
    }

    @Test
    void nesterovLooksAhead() {
        // v1 = [0.5, -1];  step g1 + 0.9 v1 = [0.95, -1.9]         p1 = [0.905, -1.81]
        // v2 = [0.7, 1.1]; step g2 + 0.9 v2 = [0.88, 2.99]          p2 = [0.817, -2.109]
        // v3 = [-0.37, 1.49]; step g3 + 0.9 v3 = [-1.333, 1.841]    p3 = [0.9503, -2.2931]
        assertTrajectory(p -> new SGD(List.of(p), 0.1f, 0.9f, 0f, 0f, true),
                new float[] {0.905f, -1.81f}, new float[] {0.817f, -2.109f}, new float[] {0.9503f, -2.2931f});
    }

    @Test
    void dampeningScalesNewGradientsButNotTheFirst() {
        // v1 = g1 = [0.5, -1] (PyTorch ignores dampening on the first step)      p1 = [0.95, -1.9]
        // v2 = 0.9 v1 + 0.5 g2 = [0.575, 0.1]                                    p2 = [0.8925, -1.91]
        assertTrajectory(p -> new SGD(List.of(p), 0.1f, 0.9f, 0.5f, 0f, false),
                new float[] {0.95f, -1.9f}, new float[] {0.8925f, -1.91f});
    }

    @Test
    void weightDecayAddsLambdaTimesTheParameterToTheGradient() {
        // g1' = g1 + 0.1 p0 = [0.6, -1.2]          p1 = [0.94, -1.88]
        // g2' = g2 + 0.1 p1 = [0.344, 1.812]       p2 = [0.9056, -2.0612]
        assertTrajectory(p -> new SGD(List.of(p), 0.1f, 0f, 0f, 0.1f, false),
                new float[] {0.94f, -1.88f}, new float[] {0.9056f, -2.0612f});
    }

    @Test
    void parametersWithoutAGradientAreLeftAlone() {
        Tensor p = OptimizerSteps.parameter();
        try (SGD sgd = new SGD(List.of(p), 0.1f, 0.9f, 0f, 0f, false)) {
            sgd.step();
            assertArrayEquals(OptimizerSteps.P0, p.toFloatArray());
            assertEquals(0, sgd.stateSize());
        }
    }

    @Test
    void rejectsNesterovWithoutMomentumAndNegativeValues() {
        Tensor p = OptimizerSteps.parameter();
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1f, 0f, 0f, 0f, true));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1f, 0.9f, 0.1f, 0f, true));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -0.1f));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1f, -0.9f, 0f, 0f, false));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(Tensor.onDefault().zeros(Shape.of(2))), 0.1f));
    }

    @Test
    void stepAfterCloseFails() {
        Tensor p = OptimizerSteps.parameter();
        SGD sgd = new SGD(List.of(p), 0.1f, 0.9f, 0f, 0f, false);
        p.setGrad(Tensor.onDefault().ones(Shape.of(2)));
        sgd.step();
        assertEquals(1, sgd.stateSize());
        sgd.close();
        assertEquals(0, sgd.stateSize());
        assertThrows(IllegalStateException.class, sgd::step);
    }
}

package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepLRTest {

    @Test
    void halvesTheRateEveryTwoEpochs() {
        try (SGD sgd = new SGD(List.of(OptimizerSteps.parameter()), 0.1f)) {
            StepLR schedule = new StepLR(sgd, 2, 0.5f);
            float[] expected = {0.1f, 0.05f, 0.05f, 0.025f, 0.025f};
            for (float lr : expected) {
                schedule.step();
                assertEquals(lr, sgd.lr(), 1e-7f, "epoch " + schedule.epoch());
            }
        }
    }

    @Test
    void rejectsAZeroStepSize() {
        try (SGD sgd = new SGD(List.of(OptimizerSteps.parameter()), 0.1f)) {
            assertThrows(IllegalArgumentException.class, () -> new StepLR(sgd, 0, 0.5f));
        }
    }
}

package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CosineAnnealingLRTest {

    @Test
    void followsHalfACosineToTheMinimumAndStaysThere() {
        try (SGD sgd = new SGD(List.of(OptimizerSteps.parameter()), 0.1f)) {
            CosineAnnealingLR schedule = new CosineAnnealingLR(sgd, 4, 0.01f);
            // 0.01 + 0.09 * (1 + cos(pi e / 4)) / 2 for e = 1..4, then held at 0.01
            double[] expected = {
                0.01 + 0.045 * (1 + Math.sqrt(0.5)), 0.055, 0.01 + 0.045 * (1 - Math.sqrt(0.5)), 0.01, 0.01};
            assertEquals(0.1f, schedule.lrAt(0), 1e-7f);
            for (double lr : expected) {
                schedule.step();
                assertEquals(lr, sgd.lr(), 1e-7, "epoch " + schedule.epoch());
            }
        }
    }
}

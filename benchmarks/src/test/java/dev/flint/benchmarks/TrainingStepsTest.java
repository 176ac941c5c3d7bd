package dev.flint.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-level training-step benchmarks must really train, with the same thresholds as
 * {@link PrimitiveStepsTest} (taken from PyTorch on the same setup: in 60 steps on one batch of
 * random inputs and labels its MLP goes from 2.32 to 1.66 and its CNN from 2.28 to 2.23).
 */
class TrainingStepsTest {

    private static final double CHANCE = Math.log(10);

    @Test
    void mlpStepDrivesTheLossDown() {
        MlpStepBenchmark bench = new MlpStepBenchmark();
        bench.backend = "cpu";
        bench.setUp();
        try {
            bench.step();
            float first = bench.lastLoss();
            for (int i = 0; i < 60; i++) {
                bench.step();
            }
            float last = bench.lastLoss();
            assertTrue(Math.abs(first - CHANCE) < 0.3, "first MLP loss " + first + " should be near ln 10 = " + CHANCE);
            assertTrue(last < first - 0.4, "MLP loss went from " + first + " to " + last
                    + " in 60 steps on one batch; PyTorch drops by 0.66");
        } finally {
            bench.tearDown();
        }
    }

    @Test
    void cnnStepDrivesTheLossDown() {
        CnnStepBenchmark bench = new CnnStepBenchmark();
        bench.backend = "cpu";
        bench.setUp();
        try {
            bench.step();
            float first = bench.lastLoss();
            for (int i = 0; i < 60; i++) {
                bench.step();
            }
            float last = bench.lastLoss();
            assertTrue(Math.abs(first - CHANCE) < 0.3, "first CNN loss " + first + " should be near ln 10 = " + CHANCE);
            assertTrue(last < first - 0.04, "CNN loss went from " + first + " to " + last
                    + " in 60 steps on one batch; PyTorch drops by 0.054");
        } finally {
            bench.tearDown();
        }
    }
}

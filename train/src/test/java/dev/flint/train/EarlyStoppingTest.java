package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EarlyStoppingTest {

    @Test
    void stopsAfterPatienceEpochsWithoutAnImprovementLargerThanMinDelta() {
        EarlyStopping es = new EarlyStopping(2, 0.005, false);
        assertFalse(es.update(1, 1.00));
        assertFalse(es.update(2, 0.80));
        assertFalse(es.update(3, 0.81));   // worse: 1 epoch without improvement
        assertFalse(es.update(4, 0.79));   // 0.01 better than 0.80: a new best, counter reset
        assertTrue(es.lastWasBest());
        assertFalse(es.update(5, 0.788));  // better, but by less than minDelta: does not count
        assertFalse(es.lastWasBest());
        assertTrue(es.update(6, 0.789));   // second epoch without improvement: stop
        assertEquals(4, es.bestEpoch());
        assertEquals(0.79, es.bestLoss(), 1e-12);
    }

    @Test
    void aNanLossNeverImproves() {
        EarlyStopping es = new EarlyStopping(1, 0, false);
        assertFalse(es.update(1, 0.5));
        assertTrue(es.update(2, Double.NaN));
    }

    @Test
    void resetForgetsThePreviousRun() {
        EarlyStopping es = new EarlyStopping(1, 0, true);
        es.update(1, 0.1);
        es.reset();
        assertEquals(-1, es.bestEpoch());
        assertFalse(es.update(1, 5.0));
        assertEquals(1, es.bestEpoch());
    }

    @Test
    void rejectsZeroPatienceAndNegativeDelta() {
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(1, -0.1, false));
    }
}

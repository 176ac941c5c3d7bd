package dev.flint.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class MulticlassHingeLossTest {

    @Test
    void sumsMarginViolationsOverWrongClassesAndAveragesOverTheBatch() {
        // CS231n's example: scores of three images over (cat, car, frog), labels cat, car, frog.
        Tensor scores = Tensor.onDefault().fromFloats(new float[] {
            3.2f, 5.1f, -1.7f,
            1.3f, 4.9f, 2.0f,
            2.2f, 2.5f, -3.1f}, Shape.of(3, 3));
        Tensor labels = Tensor.onDefault().fromInts(new int[] {0, 1, 2}, Shape.of(3));
        // row 0: max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1) = 2.9 + 0
        // row 1: max(0, 1.3-4.9+1) + max(0, 2.0-4.9+1) = 0 + 0
        // row 2: max(0, 2.2+3.1+1) + max(0, 2.5+3.1+1) = 6.3 + 6.6
        assertEquals((2.9 + 0 + 12.9) / 3, new MulticlassHingeLoss(1f).compute(scores, labels).item(), 1e-5);
    }

    @Test
    void marginScalesTheViolations() {
        Tensor scores = Tensor.onDefault().fromFloats(new float[] {1, 0.5f, 0}, Shape.of(1, 3));
        Tensor labels = Tensor.onDefault().fromInts(new int[] {0}, Shape.of(1));
        // max(0, 0.5 - 1 + 2) + max(0, 0 - 1 + 2) = 1.5 + 1
        assertEquals(2.5, new MulticlassHingeLoss(2f).compute(scores, labels).item(), 1e-6);
    }

    @Test
    void gradientMatchesFiniteDifferencesAwayFromTheHinge() {
        // Every margin s_j - s_y + 1 is at least 0.2 from zero, so the finite differences see no kink.
        Tensor scores = Tensor.onDefault().fromFloats(new float[] {
            2.0f, 0.5f, 1.6f, -1.0f,
            0.0f, 3.0f, 2.7f, 1.2f}, Shape.of(2, 4));
        Tensor labels = Tensor.onDefault().fromInts(new int[] {0, 1}, Shape.of(2));
        GradCheck.assertGradients(xs -> new MulticlassHingeLoss().compute(xs.get(0), labels), List.of(scores),
                GradCheck.Options.defaults());
    }

    @Test
    void rejectsANonPositiveMargin() {
        assertThrows(IllegalArgumentException.class, () -> new MulticlassHingeLoss(0f));
    }
}

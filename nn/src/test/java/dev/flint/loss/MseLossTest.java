package dev.flint.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class MseLossTest {

    @Test
    void isTheMeanOfSquaredDifferences() {
        Tensor out = Tensor.onDefault().fromFloats(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
        Tensor target = Tensor.onDefault().fromFloats(new float[] {0, 2, 5, 3}, Shape.of(2, 2));
        // (1 + 0 + 4 + 1) / 4
        assertEquals(1.5f, new MseLoss().compute(out, target).item(), 1e-6f);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Tensor target = Tensor.onDefault().randn(Shape.of(3, 4), new Rng(2));
        GradCheck.assertGradients(xs -> new MseLoss().compute(xs.get(0), target),
                List.of(Tensor.onDefault().randn(Shape.of(3, 4), new Rng(1))), GradCheck.Options.defaults());
    }

    @Test
    void rejectsDifferentShapesNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MseLoss().compute(Tensor.onDefault().zeros(Shape.of(2, 3)), Tensor.onDefault().zeros(Shape.of(3, 2))));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
    }
}

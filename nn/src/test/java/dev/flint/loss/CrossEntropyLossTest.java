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

class CrossEntropyLossTest {

    @Test
    void isTheMeanNegativeLogLikelihoodOfTheSoftmax() {
        Tensor logits = Tensor.onDefault().fromFloats(new float[] {1, 2, 3, 0, 0, 0}, Shape.of(2, 3));
        Tensor labels = Tensor.onDefault().fromInts(new int[] {2, 0}, Shape.of(2));
        double row0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        double row1 = Math.log(3);
        assertEquals((row0 + row1) / 2, new CrossEntropyLoss().compute(logits, labels).item(), 1e-6);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Tensor labels = Tensor.onDefault().fromInts(new int[] {0, 3, 1, 3}, Shape.of(4));
        GradCheck.assertGradients(xs -> new CrossEntropyLoss().compute(xs.get(0), labels),
                List.of(Tensor.onDefault().randn(Shape.of(4, 5), new Rng(1))), GradCheck.Options.defaults());
    }

    @Test
    void rejectsFloatLabelsAndMismatchedBatches() {
        Tensor logits = Tensor.onDefault().zeros(Shape.of(4, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().compute(logits, Tensor.onDefault().zeros(Shape.of(4))));
        assertTrue(e.getMessage().contains("int32 [4]") && e.getMessage().contains("float32"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().compute(logits, Tensor.onDefault().fromInts(new int[] {0, 1}, Shape.of(2))));
    }
}

package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.data.ArrayDataset;
import dev.flint.data.DataLoader;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Module;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void countsRowsWhoseArgmaxIsTheLabel() {
        Tensor scores = Tensor.onDefault().fromFloats(new float[] {
            0.1f, 0.9f, 0.0f,
            2.0f, 1.0f, 0.5f,
            0.2f, 0.2f, 0.1f}, Shape.of(3, 3));
        Tensor labels = Tensor.onDefault().fromInts(new int[] {1, 2, 0}, Shape.of(3));
        // row 0 right, row 1 wrong, row 2 a tie won by the first maximum: right
        assertEquals(2, Metrics.correct(scores, labels));
        assertEquals(2 / 3.0, Metrics.accuracy(scores, labels), 1e-12);
    }

    @Test
    void evaluateAveragesLossPerSampleOverUnevenBatchesInEvalMode() {
        // The identity "model" scores each sample by its features, so the loss is known in closed form.
        ArrayDataset d = new ArrayDataset(new float[] {0, 0, 3, 0, 0, 3}, new int[] {0, 0, 1}, 2, 2);
        DataLoader loader = DataLoader.builder(d).batchSize(2).build();
        Module identity = new Module() {
            @Override
            public Tensor forward(Tensor x) {
                if (isTraining()) {
                    throw new AssertionError("evaluate must run in eval mode");
                }
                return x;
            }
        };
        Metrics.Evaluation e = Metrics.evaluate(identity, loader, new CrossEntropyLoss());
        double tie = Math.log(2);
        double confident = Math.log(1 + Math.exp(-3));
        assertEquals((tie + confident + confident) / 3, e.loss(), 1e-6);
        assertEquals(1.0, e.accuracy(), 1e-12);
        assertEquals(3, e.samples());
        assertEquals(true, identity.isTraining());
    }

    @Test
    void rejectsLabelsOfAnotherBatchSize() {
        assertThrows(IllegalArgumentException.class,
                () -> Metrics.correct(Tensor.onDefault().zeros(Shape.of(3, 2)), Tensor.onDefault().fromInts(new int[] {0}, Shape.of(1))));
    }
}

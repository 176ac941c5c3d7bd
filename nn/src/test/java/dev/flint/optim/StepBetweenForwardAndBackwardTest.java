package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An optimizer step writes its parameters in place: a backward pass whose graph saved those parameters
 * (as every layer's does) and that runs after the step would compute the gradient of the old forward
 * with the new weights. It fails instead, naming the op, as in PyTorch.
 */
class StepBetweenForwardAndBackwardTest {

    @Test
    void backwardAfterAStepOnTheSavedParametersFails() {
        Tensor w = Tensor.onDefault().fromFloats(new float[] {1, 2}, Shape.of(2)).requiresGrad(true);
        Tensor x = Tensor.onDefault().fromFloats(new float[] {3, 4}, Shape.of(2));
        w.setGrad(Tensor.onDefault().fromFloats(new float[] {1, 1}, Shape.of(2)));
        for (Optimizer optimizer : List.of(new SGD(List.of(w), 0.1f), new Adam(List.of(w), 0.1f))) {
            Tensor loss = w.mul(x).mul(w).sum();
            optimizer.step();
            IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward, optimizer.toString());
            assertTrue(e.getMessage().contains("'mul'") && e.getMessage().contains("modified in place"), e.getMessage());
        }
    }
}

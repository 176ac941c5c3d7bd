package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.nn.Linear;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guards every optimizer shares: each parameter once, no step on closed parameters. */
class OptimizerTest {

    @Test
    void theSameTensorTwiceIsRefused() {
        try (Tensor p = OptimizerSteps.parameter(); Tensor q = OptimizerSteps.parameter()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SGD(List.of(p, q, p), 0.1f));
            assertEquals("SGD: parameter 2 [2] is the same tensor as parameter 0; each step would update it"
                    + " twice. Pass each parameter once (Module.parameters() does)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(q, q), 1e-3f));
        }
    }

    @Test
    void aModuleUsedTwiceIsUpdatedOncePerStep() {
        Linear shared = new Linear(2, 2, new Rng(7));
        try (Sequential net = new Sequential(shared, new ReLU(), shared);
                SGD sgd = new SGD(net.parameters(), 0.5f)) {
            Tensor x = Tensor.onDefault().fromFloats(new float[] {1, 2}, Shape.of(1, 2));
            net.forward(x).sum().backward();
            Tensor w = net.parameters().get(0);
            float[] before = w.toFloatArray();
            float[] grad = w.grad().toFloatArray();   // both uses' contributions, accumulated
            sgd.step();
            float[] expected = new float[before.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = before[i] - 0.5f * grad[i];
            }
            assertArrayEquals(expected, w.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void stepOnClosedParametersFailsAndChangesNothing() {
        Tensor live = OptimizerSteps.parameter();
        Tensor closed = OptimizerSteps.parameter();
        try (SGD sgd = new SGD(List.of(live, closed), 0.1f)) {
            live.setGrad(Tensor.onDefault().fromFloats(new float[] {1, 1}, Shape.of(2)));
            closed.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, sgd::step);
            assertTrue(e.getMessage().startsWith("SGD: parameter 1 of 2 [2] was closed"), e.getMessage());
            assertArrayEquals(OptimizerSteps.P0, live.toFloatArray(), "the live parameter must not move");
        } finally {
            live.close();
        }
    }

    @Test
    void stepAfterTheModelWasClosedFails() {
        Sequential net = new Sequential(new Linear(2, 2, new Rng(1)));
        try (Adam adam = new Adam(net.parameters(), 1e-3f)) {
            net.close();
            assertThrows(IllegalStateException.class, adam::step);
        }
    }
}

package dev.flint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import org.junit.jupiter.api.Test;

/**
 * Autograd refuses to be wrong, as PyTorch does: an in-place write to a tensor a recorded op saved for
 * its gradient fails backward with a message naming the op and the tensor; a second backward through
 * a freed graph fails and says how to keep it; a scalar leaf's gradient is 1.
 */
class AutogradGuardsTest {
    private final Backend backend = Backends.get("reference");
    private final TensorFactory t = Tensor.on(backend);

    private Tensor leaf(float... v) {
        return t.fromFloats(v, Shape.of(v.length)).requiresGrad(true);
    }

    @Test
    void aSavedLeafFilledAfterUseFailsBackwardNamingTheOpAndTheTensor() {
        Tensor w = leaf(1, 2);
        Tensor loss = w.square().sum();          // d/dw = 2w = [2, 4], saved w
        w.fill(10f);                             // before: backward gave [20, 20]
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("'square'") && e.getMessage().contains("[2]")
                && e.getMessage().contains("modified in place") && e.getMessage().contains("version 0, now 1"),
                e.getMessage());
    }

    @Test
    void copyFromAndMutableStorageCountAsModifications() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3, 4);
        Tensor loss = a.mul(b).sum();            // saves both
        b.copyFrom(t.fromFloats(new float[] {5, 6}, Shape.of(2)));
        assertThrows(IllegalStateException.class, loss::backward, "copyFrom");

        Tensor w = leaf(1, 2);
        Tensor loss2 = w.exp().sum();            // saves its output, not w
        w.mutableStorage();                      // what an optimizer step does
        loss2.backward();                        // w itself is not read by exp's gradient: fine
        assertArrayEquals(new float[] {(float) Math.exp(1), (float) Math.exp(2)}, w.grad().toFloatArray(), 1e-6f);

        Tensor v = leaf(1, 2);
        Tensor loss3 = v.mul(v).sum();
        v.mutableStorage();
        assertThrows(IllegalStateException.class, loss3::backward, "an optimizer step between forward and backward");
    }

    @Test
    void aWriteToATensorNoGradientReadsIsAllowed() {
        Tensor w = leaf(1, 2);
        Tensor c = t.fromFloats(new float[] {3, 4}, Shape.of(2));
        Tensor loss = w.add(c).sum();            // add saves nothing: PyTorch allows this too
        c.fill(0f);
        loss.backward();
        assertArrayEquals(new float[] {1, 1}, w.grad().toFloatArray());
    }

    @Test
    void viewsShareTheVersion() {
        Tensor w = leaf(1, 2, 3, 4);
        Tensor loss = w.reshape(2, 2).square().sum();
        w.detach().fill(0f);                     // detach shares the data, so it shares the version
        assertThrows(IllegalStateException.class, loss::backward);
    }

    @Test
    void aSecondBackwardThroughAFreedGraphFailsAndSaysHowToKeepIt() {
        Tensor w = leaf(1, 2);
        Tensor loss = w.square().sum();
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("backward(true)"), e.getMessage());
        assertArrayEquals(new float[] {2, 4}, w.grad().toFloatArray(), "the failed pass added nothing");
    }

    @Test
    void retainingTheGraphAllowsAnotherPass() {
        Tensor w = leaf(1, 2);
        Tensor loss = w.square().sum();
        loss.backward(true);
        loss.backward();
        assertArrayEquals(new float[] {4, 8}, w.grad().toFloatArray());
        assertThrows(IllegalStateException.class, loss::backward, "the last pass freed it");
    }

    @Test
    void twoLossesSharingASubgraphNeedTheFirstToRetainIt() {
        Tensor w = leaf(1, 2);
        Tensor h = w.square();
        Tensor a = h.sum();
        Tensor b = h.mul(2f).sum();
        a.backward();
        assertThrows(IllegalStateException.class, b::backward);

        Tensor v = leaf(1, 2);
        Tensor g = v.square();
        g.sum().backward(true);
        g.mul(2f).sum().backward();
        assertArrayEquals(new float[] {6, 12}, v.grad().toFloatArray());
    }

    @Test
    void aScalarLeafHasGradientOne() {
        Tensor s = t.scalar(3f).requiresGrad(true);
        s.backward();
        assertArrayEquals(new float[] {1}, s.grad().toFloatArray());
        s.backward();                            // a leaf holds no graph: another pass accumulates
        assertArrayEquals(new float[] {2}, s.grad().toFloatArray());
    }
}

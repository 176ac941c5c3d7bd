package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.gradcheck.BackendDiff;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Differential testing of the CPU backend against flint-core's float64 reference: a small CNN and
 * an MLP agree node by node and in every gradient; a deliberately perturbed graph is caught and the
 * first diverging node is named.
 */
class CpuVersusReferenceTest {
    private final Backend cpu = Backends.get("cpu");
    private final Backend reference = Backends.get("reference");
    private final Rng rng = new Rng(3);

    private Tensor u(int... dims) {
        return Tensor.on(cpu).uniform(Shape.of(dims), -1, 1, rng);
    }

    @Test
    void cnnAgreesNodeByNodeAndInEveryGradient() {
        Tensor labels = Tensor.on(cpu).fromInts(new int[] {1, 0, 2, 1}, Shape.of(4));
        BackendDiff.Report r = BackendDiff.compare(xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), 1, 1, 2, 2).relu()
                        .maxPool2d(2, 2, 2, 2, 0, 0).flatten(1).matmul(xs.get(3), false, true).add(xs.get(4))
                        .crossEntropy(xs.get(5)),
                List.of(u(4, 1, 8, 8), u(3, 1, 5, 5), u(3), u(3, 48), u(3), labels), cpu, reference,
                BackendDiff.Tolerance.of(1e-4, 1e-3));
        assertTrue(r.passed(), r.message());
        assertEquals(6, r.differences().size(), "output and five float input gradients");
    }

    @Test
    void mlpAgrees() {
        Tensor labels = Tensor.on(cpu).fromInts(new int[] {3, 0, 1, 2, 3, 1}, Shape.of(6));
        BackendDiff.Report r = BackendDiff.compare(xs -> xs.get(0).matmul(xs.get(1)).add(xs.get(2)).sigmoid()
                        .matmul(xs.get(3)).logSoftmax(1).mul(-1f).mean().add(xs.get(0).hinge(xs.get(4), 1f)),
                List.of(u(6, 4), u(4, 5), u(5), u(5, 4), labels), cpu, reference, BackendDiff.Tolerance.of(1e-5, 1e-4));
        assertTrue(r.passed(), r.message());
    }

    @Test
    void transformerBlockAgrees() {
        // embedding, layer norm, causal self-attention over a packed projection, GELU MLP, residuals, tied head
        int b = 2;
        int t = 8;
        int c = 12;
        int v = 7;
        int[] ids = new int[b * t];
        int[] next = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 5 + 3) % v;
            next[i] = (i * 3 + 1) % v;
        }
        List<Tensor> inputs = List.of(u(v, c), u(c), u(c), u(3 * c, c), u(3 * c), u(c, c), u(c), u(4 * c, c), u(c, 4 * c),
                Tensor.on(cpu).fromInts(ids, Shape.of(b, t)), Tensor.on(cpu).fromInts(next, Shape.of(b * t)));
        BackendDiff.Report r = BackendDiff.compare(xs -> {
            Tensor x = xs.get(0).embedding(xs.get(9), -1);
            Tensor h = x.layerNorm(xs.get(1), xs.get(2), 1e-5f).linear(xs.get(3), xs.get(4)).selfAttention(3, null, true)
                    .linear(xs.get(5), xs.get(6));
            x = x.add(h);
            x = x.add(x.layerNorm(null, null, 1e-5f).linear(xs.get(7), null).gelu().linear(xs.get(8), null));
            return x.matmul(xs.get(0), false, true).reshape(b * t, v).crossEntropy(xs.get(10));
        }, inputs, cpu, reference, BackendDiff.Tolerance.of(1e-5, 1e-4));
        assertTrue(r.passed(), r.message());
        assertEquals(10, r.differences().size(), "the loss and nine gradients");
    }

    @Test
    void aDivergingNodeIsNamed() {
        // The function branches on the backend on purpose: relu on one, leaky relu on the other.
        BackendDiff.Report r = BackendDiff.compare(xs -> {
            Tensor h = xs.get(0).matmul(xs.get(1));
            h = h.backend() == cpu ? h.leakyRelu(0.5f) : h.relu();
            return h.sum();
        }, List.of(u(3, 4), u(4, 5)), cpu, reference, BackendDiff.Tolerance.of(1e-5, 1e-4));
        assertFalse(r.passed());
        assertNotNull(r.firstDivergingNode());
        assertTrue(r.firstDivergingNode().what().contains("leaky_relu"), r.message());
        assertTrue(r.message().contains("worst at ["), r.message());
    }
}

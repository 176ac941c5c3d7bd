package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialTest {

    @Test
    void namesChildrenByPositionLikePyTorch() {
        Rng rng = new Rng(1);
        try (Sequential net = new Sequential(new Linear(4, 3, rng), new ReLU(), new Linear(3, 2, rng))) {
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(net.namedParameters().keySet()));
            assertEquals(4 * 3 + 3 + 3 * 2 + 2, net.parameterCount());
            assertTrue(net.toString().contains("(2): Linear(in=3, out=2)"), net.toString());
        }
    }

    @Test
    void runsLayersInOrder() {
        Rng rng = new Rng(2);
        Linear a = new Linear(4, 3, rng);
        Linear b = new Linear(3, 2, rng);
        try (Sequential net = new Sequential(a, new Tanh(), b)) {
            Tensor x = Tensor.onDefault().randn(Shape.of(5, 4), new Rng(3));
            assertArrayEquals(b.forward(a.forward(x).tanh()).toFloatArray(), net.forward(x).toFloatArray());
        }
    }

    @Test
    void modeReachesEveryChild() {
        Dropout drop = new Dropout(0.5f, new Rng(1));
        Sequential net = new Sequential(new Sequential(drop));
        net.eval();
        assertFalse(drop.isTraining());
        net.train();
        assertTrue(drop.isTraining());
    }

    @Test
    void aSmallNetworksGradientsMatchFiniteDifferences() {
        Rng rng = new Rng(4);
        try (Sequential net = new Sequential(new Conv2d(1, 2, 3, 1, 1, true, rng, Backends.defaultBackend()),
                new Tanh(), new AvgPool2d(2), new Flatten(), new Linear(8, 3, rng), new Sigmoid())) {
            LayerGradients.assertGradients(net, Tensor.onDefault().randn(Shape.of(2, 1, 4, 4), new Rng(5)));
        }
    }
}

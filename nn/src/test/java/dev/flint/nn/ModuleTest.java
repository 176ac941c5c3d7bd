package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.testing.ReferenceBackendProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {

    private static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(6, 4, rng), new ReLU(), new Linear(4, 3, rng));
    }

    @Test
    void parametersAreLeavesThatRequireGradients() {
        try (Sequential net = mlp(1)) {
            List<Tensor> params = net.parameters();
            assertEquals(4, params.size());
            for (Tensor p : params) {
                assertTrue(p.requiresGrad() && p.isLeaf());
            }
        }
    }

    @Test
    void stateDictIsADetachedCopyThatLoadsIntoAnotherModel() {
        try (Sequential a = mlp(1); Sequential b = mlp(2)) {
            Map<String, Tensor> state = a.stateDict();
            assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias"), List.copyOf(state.keySet()));
            assertFalse(state.get("1.weight").requiresGrad());
            b.loadStateDict(state);
            Tensor x = Tensor.onDefault().randn(Shape.of(2, 1, 2, 3), new Rng(3));
            assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());

            // A copy: changing the model afterwards leaves the dictionary as it was.
            float before = state.get("3.bias").toFloatArray()[0];
            a.namedParameters().get("3.bias").fill(42f);
            assertEquals(before, state.get("3.bias").toFloatArray()[0]);
            state.values().forEach(Tensor::close);
        }
    }

    @Test
    void loadStateDictKeepsTheParameterObjects() {
        try (Sequential a = mlp(1); Sequential b = mlp(2)) {
            Tensor weight = b.namedParameters().get("1.weight");
            b.loadStateDict(a.stateDict());
            assertSame(weight, b.namedParameters().get("1.weight"));
        }
    }

    @Test
    void loadStateDictNamesTheKeyWhoseShapeDiffers() {
        try (Sequential net = mlp(1)) {
            Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
            state.put("3.weight", Tensor.onDefault().zeros(Shape.of(3, 5)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state));
            assertTrue(e.getMessage().contains("'3.weight' expects shape [3, 4], got [3, 5]"), e.getMessage());
        }
    }

    @Test
    void loadStateDictNamesMissingAndUnexpectedKeys() {
        try (Sequential net = mlp(1)) {
            Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
            state.remove("1.bias");
            state.put("fc.bias", Tensor.onDefault().zeros(Shape.of(4)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state));
            assertTrue(e.getMessage().contains("missing [1.bias]") && e.getMessage().contains("[fc.bias]"),
                    e.getMessage());
        }
    }

    @Test
    void zeroGradClearsEveryGradient() {
        try (Sequential net = mlp(1)) {
            net.forward(Tensor.onDefault().randn(Shape.of(2, 6), new Rng(3))).sum().backward();
            for (Tensor p : net.parameters()) {
                assertNotNull(p.grad());
            }
            net.zeroGrad();
            for (Tensor p : net.parameters()) {
                assertNull(p.grad());
            }
        }
    }

    @Test
    void toTheSameBackendKeepsTheParameters() {
        try (Sequential net = mlp(1)) {
            Tensor w = net.namedParameters().get("1.weight");
            net.to(w.backend());
            assertSame(w, net.namedParameters().get("1.weight"));
        }
    }

    @Test
    void toAnotherBackendMovesEveryParameterAndFreesTheOldOnes() {
        // A second instance of the test backend: a different Backend object, so every tensor must move.
        Backend other = new ReferenceBackendProvider().create();
        try (Sequential net = mlp(1)) {
            Tensor x = Tensor.onDefault().randn(Shape.of(2, 6), new Rng(3));
            float[] before = net.forward(x).toFloatArray();
            List<Tensor> old = net.parameters();
            net.to(other);
            for (Tensor p : net.parameters()) {
                assertSame(other, p.backend());
                assertTrue(p.requiresGrad() && p.isLeaf());
            }
            for (Tensor p : old) {
                assertTrue(p.isClosed());
            }
            assertArrayEquals(before, net.forward(x.to(other)).toFloatArray());

            // A state dictionary on the default backend loads across into the moved model.
            try (Sequential fresh = mlp(2)) {
                net.loadStateDict(fresh.stateDict());
                assertSame(other, net.namedParameters().get("1.weight").backend());
                assertArrayEquals(fresh.forward(x).toFloatArray(), net.forward(x.to(other)).toFloatArray());
            }
        }
    }

    @Test
    void closeFreesEveryParameter() {
        Sequential net = mlp(1);
        List<Tensor> params = net.parameters();
        net.close();
        for (Tensor p : params) {
            assertTrue(p.isClosed());
        }
        net.close();
    }

    @Test
    void rejectsDuplicateAndDottedNames() {
        Module m = new Module() {
            {
                registerParameter("w", Tensor.onDefault().zeros(Shape.of(2)));
                assertThrows(IllegalArgumentException.class, () -> registerParameter("w", Tensor.onDefault().zeros(Shape.of(2))));
                assertThrows(IllegalArgumentException.class, () -> registerModule("a.b", new ReLU()));
            }

            @Override
            public Tensor forward(Tensor input) {
                return input.mul(parameter("w"));
            }
        };
        assertEquals(List.of("w"), List.copyOf(m.namedParameters().keySet()));
    }

    @Test
    void aModuleUsedTwiceListsItsParametersOnce() {
        Linear shared = new Linear(3, 3, new Rng(4));
        try (Sequential net = new Sequential(shared, new ReLU(), shared)) {
            assertEquals(List.of("0.weight", "0.bias"), List.copyOf(net.namedParameters().keySet()));
            List<Tensor> params = net.parameters();
            assertEquals(2, params.size());
            assertSame(shared.namedParameters().get("weight"), params.get(0));
            assertEquals(3 * 3 + 3, net.parameterCount());
            assertEquals(List.of("0.weight", "0.bias"), List.copyOf(net.stateDict().keySet()));
        }
    }

    @Test
    void aTensorSharedByTwoModulesIsListedOnce() {
        Tensor tied = Tensor.onDefault().zeros(Shape.of(2));
        class Holder extends Module {
            Holder() {
                registerParameter("w", tied);
            }

            @Override
            public Tensor forward(Tensor input) {
                return input.mul(parameter("w"));
            }
        }
        try (Sequential net = new Sequential(new Holder(), new Holder())) {
            assertEquals(List.of("0.w"), List.copyOf(net.namedParameters().keySet()));
        }
    }
}

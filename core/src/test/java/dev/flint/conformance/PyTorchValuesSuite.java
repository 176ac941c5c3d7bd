package dev.flint.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Values and gradients that PyTorch computed (scripts/pytorch/reference_values.py, committed as
 * {@code dev/flint/pytorch/reference-values.txt}), recomputed by Flint on the backend a subclass
 * names: the output, and the gradient of {@code sum(y * w)} for every input. The third oracle of the
 * house style: PyTorch's semantics, not only our reading of them.
 */
public abstract class PyTorchValuesSuite {

    protected abstract Backend backend();

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    /** Flint's version of each case of the script, by the script's name for it. */
    static final Map<String, Function<List<Tensor>, Tensor>> FUNCTIONS = Map.ofEntries(
            Map.entry("gelu", xs -> xs.get(0).gelu()),
            Map.entry("gelu_tanh", xs -> xs.get(0).geluTanh()),
            Map.entry("layer_norm", xs -> xs.get(0).layerNorm(xs.get(1), xs.get(2), 1e-5f)),
            Map.entry("layer_norm_plain", xs -> xs.get(0).layerNorm(null, null, 1e-5f)),
            Map.entry("batch_norm_train_2d", PyTorchValuesSuite::batchNormTrain),
            Map.entry("batch_norm_train_1d", PyTorchValuesSuite::batchNormTrain),
            Map.entry("batch_norm_eval", xs -> xs.get(0).batchNorm(constant(xs, new float[] {0.5f, -1f, 2f}, 3),
                    constant(xs, new float[] {1.5f, 0.25f, 4f}, 3), xs.get(1), xs.get(2), false, 0.1f, 1e-5f)),
            Map.entry("embedding_padding", xs -> xs.get(0).embedding(Tensor.on(xs.get(0).backend())
                    .fromInts(new int[] {0, 3, 1, 3, 4, 1, 1, 2}, Shape.of(2, 4)), 1)),
            Map.entry("masked_softmax_causal", xs -> xs.get(0).maskedSoftmax(null, true)),
            Map.entry("masked_softmax_mask", xs -> xs.get(0).maskedSoftmax(constant(xs, new float[] {
                0, NEG_INF, 1.5f, -2, 0,
                NEG_INF, 0.5f, 0, 0, -1,
                0, 0, 0, NEG_INF, 2}, 3, 5), false)),
            Map.entry("matmul_broadcast", xs -> xs.get(0).matmul(xs.get(1))),
            Map.entry("matmul_4d_2d", xs -> xs.get(0).matmul(xs.get(1))),
            Map.entry("matmul_transposed_batches", xs -> xs.get(0).matmul(xs.get(1), true, true)),
            Map.entry("sdpa_causal", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), null,
                    true)),
            Map.entry("sdpa_mask", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2),
                    constant(xs, new float[] {
                        0, -1, NEG_INF, 0.5f, 0, 2,
                        1, 0, 0, 0, NEG_INF, -0.5f,
                        NEG_INF, NEG_INF, 0, 1, 0, 0}, 3, 6), false)),
            Map.entry("self_attention_packed", xs -> xs.get(0).selfAttention(3, null, true)));

    /** A constant of the script's (no gradient), on the inputs' backend. */
    private static Tensor constant(List<Tensor> xs, float[] values, int... dims) {
        return Tensor.on(xs.get(0).backend()).fromFloats(values, Shape.of(dims));
    }

    /** Training mode with fresh running statistics (zeros, ones), as the script's {@code batch_norm_train}. */
    private static Tensor batchNormTrain(List<Tensor> xs) {
        int c = xs.get(0).dim(1);
        Tensor mean = Tensor.on(xs.get(0).backend()).zeros(Shape.of(c));
        Tensor var = Tensor.on(xs.get(0).backend()).ones(Shape.of(c));
        return xs.get(0).batchNorm(mean, var, xs.get(1), xs.get(2), true, 0.1f, 1e-5f);
    }

    /** One case as the script wrote it: named arrays with their shapes. */
    record Case(String name, Map<String, float[]> arrays, Map<String, int[]> shapes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() throws IOException {
        String text;
        try (InputStream in = PyTorchValuesSuite.class.getResourceAsStream("/dev/flint/pytorch/reference-values.txt")) {
            assertNotNull(in, "reference-values.txt is not on the test class path");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> cases = new ArrayList<>();
        Case current = null;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("case ")) {
                current = new Case(line.substring(5).trim(), new LinkedHashMap<>(), new LinkedHashMap<>());
                cases.add(current);
                continue;
            }
            String[] headAndValues = line.split(" : ", 2);
            String[] head = headAndValues[0].trim().split(" ");
            int[] dims = new int[head.length - 1];
            for (int i = 1; i < head.length; i++) {
                dims[i - 1] = Integer.parseInt(head[i]);
            }
            String[] numbers = headAndValues.length < 2 || headAndValues[1].isBlank() ? new String[0]
                    : headAndValues[1].trim().split(" ");
            float[] values = new float[numbers.length];
            for (int i = 0; i < numbers.length; i++) {
                values[i] = Float.parseFloat(numbers[i]);
            }
            current.arrays().put(head[0], values);
            current.shapes().put(head[0], dims);
        }
        return cases.stream();
    }

    @Test
    void everyCaseOfTheScriptHasAFlintFunction() throws IOException {
        List<String> unknown = cases().map(Case::name).filter(n -> !FUNCTIONS.containsKey(n)).toList();
        assertTrue(unknown.isEmpty(), "reference-values.txt has cases PyTorchValuesSuite does not know: " + unknown
                + " (add them to FUNCTIONS)");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesPyTorch(Case c) {
        Function<List<Tensor>, Tensor> f = FUNCTIONS.get(c.name());
        assertNotNull(f, "no Flint function for case " + c.name());
        try (Scope scope = Scope.open()) {
            List<Tensor> inputs = new ArrayList<>();
            for (int i = 0; c.arrays().containsKey("x" + i); i++) {
                inputs.add(Tensor.on(backend()).fromFloats(c.arrays().get("x" + i), Shape.of(c.shapes().get("x" + i)))
                        .requiresGrad(true));
            }
            Tensor y = f.apply(inputs);
            assertEquals(Shape.of(c.shapes().get("y")), y.shape(), c.name() + ": output shape");
            Tensor w = Tensor.on(backend()).fromFloats(c.arrays().get("w"), y.shape());
            y.mul(w).sum().backward();
            assertClose(c.name() + " output", c.arrays().get("y"), y.toFloatArray());
            for (int i = 0; i < inputs.size(); i++) {
                assertNotNull(inputs.get(i).grad(), c.name() + ": no gradient for input " + i);
                assertClose(c.name() + " gradient of input " + i, c.arrays().get("dx" + i),
                        inputs.get(i).grad().toFloatArray());
            }
        }
    }

    /**
     * Both sides are float32 computations of the same formula, each within a few ulp of the exact value
     * except where the formula cancels; 1e-5 relative to 1 + |PyTorch's value| separates that from a
     * different formula (exact GELU and its tanh form differ by up to 5e-4).
     */
    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double bound = 1e-5 * (1 + Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= bound || (Float.isNaN(expected[i]) && Float.isNaN(actual[i])),
                    what + " [" + i + "]: PyTorch " + expected[i] + ", Flint " + actual[i]);
        }
    }
}

package dev.flint.nn;

import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link GradCheck} over a layer: the input and every parameter are checked, by substituting the
 * check's perturbed copies for the layer's parameters during each evaluation.
 */
final class LayerGradients {
    private LayerGradients() {
    }

    static void assertGradients(Module layer, Tensor input) {
        assertGradients(layer, input, GradCheck.Options.defaults());
    }

    static void assertGradients(Module layer, Tensor input, GradCheck.Options options) {
        Map<String, Tensor> params = layer.namedParameters();
        List<String> names = new ArrayList<>(params.keySet());
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(input);
        inputs.addAll(params.values());
        GradCheck.assertGradients(xs -> {
            Map<String, Tensor> saved = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                saved.put(names.get(i), layer.replaceParameter(names.get(i), xs.get(i + 1)));
            }
            try {
                return layer.forward(xs.get(0));
            } finally {
                saved.forEach(layer::replaceParameter);
            }
        }, inputs, options);
    }

    /** Values in [-1, 1] that are at least 0.05 away from 0, so ReLU's kink is never crossed. */
    static Tensor awayFromZero(Shape shape, long seed) {
        Rng rng = new Rng(seed);
        float[] v = new float[shape.size()];
        for (int i = 0; i < v.length; i++) {
            float mag = 0.05f + 0.95f * rng.nextFloat();
            v[i] = rng.nextFloat() < 0.5f ? -mag : mag;
        }
        return Tensor.onDefault().fromFloats(v, shape);
    }

    /** A shuffled ramp {@code 0.1 * permutation}: distinct values 0.1 apart, so max pooling has no near-ties. */
    static Tensor distinct(Shape shape, long seed) {
        int[] perm = new int[shape.size()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        new Rng(seed).shuffle(perm);
        float[] v = new float[perm.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.1f * (perm[i] - perm.length / 2f);
        }
        return Tensor.onDefault().fromFloats(v, shape);
    }
}

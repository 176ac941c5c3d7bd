package dev.flint.nn;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * Inputs and weights both the layer tests and scripts/pytorch/layer_values.py compute from a formula
 * ({@code scale * sin(a * i + b)} in double, rounded to float), so that the PyTorch numbers pasted into the
 * tests need no data file.
 */
final class LayerValues {
    private LayerValues() {
    }

    static float[] wave(int n, double a, double b, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * Math.sin(a * i + b));
        }
        return v;
    }

    static Tensor wave(Shape shape, double a, double b, double scale) {
        return Tensor.onDefault().fromFloats(wave(shape.size(), a, b, scale), shape);
    }

    /** {@code wave(...) + shift}, elementwise, as the script's {@code wave(...) + shift}. */
    static float[] plus(float[] v, float shift) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] + shift;
        }
        return r;
    }
}

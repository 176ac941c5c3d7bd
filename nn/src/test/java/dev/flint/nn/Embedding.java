package dev.flint.nn;

import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * TEST-ONLY STAND-IN for the ops engineer's Embedding (issue 11 API contract). Delete when it lands.
 */
public class Embedding extends Module {
    private final int dim;

    public Embedding(int count, int dim, Rng rng) {
        this.dim = dim;
        registerParameter("weight", Init.normal(Shape.of(count, dim), 1.0, rng, Backends.defaultBackend()));
    }

    public Tensor weight() {
        return parameter("weight");
    }

    @Override
    public Tensor forward(Tensor indices) {
        int[] dims = new int[indices.rank() + 1];
        for (int i = 0; i < indices.rank(); i++) {
            dims[i] = indices.dim(i);
        }
        dims[indices.rank()] = dim;
        return weight().indexSelect(indices.reshape(indices.size())).reshape(dims);
    }
}

package dev.flint.nn;

import dev.flint.backend.Backends;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * TEST-ONLY STAND-IN for the ops engineer's LayerNorm (issue 11 API contract), composed of existing
 * ops so the GPT training code can be tested before the real layer lands. Delete when it does.
 */
public class LayerNorm extends Module {
    private final int features;
    private final float eps;

    public LayerNorm(int features) {
        this(features, 1e-5f, true);
    }

    public LayerNorm(int features, float eps, boolean elementwiseAffine) {
        this.features = features;
        this.eps = eps;
        registerParameter("weight", Tensor.on(Backends.defaultBackend()).ones(Shape.of(features)));
        registerParameter("bias", Tensor.on(Backends.defaultBackend()).zeros(Shape.of(features)));
    }

    @Override
    public Tensor forward(Tensor x) {
        int last = x.rank() - 1;
        Tensor mean = x.mean(last, true);
        Tensor centered = x.sub(mean);
        Tensor var = centered.square().mean(last, true);
        Tensor y = centered.div(var.add(eps).sqrt());
        return y.mul(parameter("weight")).add(parameter("bias"));
    }
}

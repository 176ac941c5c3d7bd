package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * Layer normalization over the last dimension, as PyTorch's {@code nn.LayerNorm(features)}:
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias} with each row's mean and biased variance.
 * Input {@code (..., features)}, output the same shape. {@code weight} starts at ones and {@code bias} at
 * zeros; without the elementwise affine there are no parameters. One fused kernel forward and one
 * backward ({@link Tensor#layerNorm}).
 *
 * <pre>{@code
 * LayerNorm ln = new LayerNorm(128);
 * Tensor h = ln.forward(x);   // x (B, T, 128) -> (B, T, 128), each position normalized
 * }</pre>
 */
public class LayerNorm extends Module {
    private final int features;
    private final float eps;
    private final boolean affine;

    /** {@code eps = 1e-5}, with weight and bias, on the default backend. */
    public LayerNorm(int features) {
        this(features, 1e-5f, true);
    }

    /** On the default backend. */
    public LayerNorm(int features, float eps, boolean elementwiseAffine) {
        this(features, eps, elementwiseAffine, Backends.defaultBackend());
    }

    /** With its parameters (if any) on {@code backend}. */
    public LayerNorm(int features, float eps, boolean elementwiseAffine, Backend backend) {
        if (features < 1) {
            throw new IllegalArgumentException("LayerNorm: features must be >= 1, got " + features);
        }
        if (!(eps >= 0f)) {
            throw new IllegalArgumentException("LayerNorm: eps must be >= 0, got " + eps);
        }
        this.features = features;
        this.eps = eps;
        this.affine = elementwiseAffine;
        if (elementwiseAffine) {
            registerParameter("weight", Tensor.on(backend).ones(Shape.of(features)));
            registerParameter("bias", Tensor.on(backend).zeros(Shape.of(features)));
        }
    }

    /** x (..., features) -> the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 1 || x.dim(-1) != features) {
            throw new IllegalArgumentException("LayerNorm: input " + x.shape() + " should end in " + features
                    + " features, (..., " + features + ")");
        }
        return x.layerNorm(weight(), bias(), eps);
    }

    /** The weight (features), or null without the elementwise affine. */
    public Tensor weight() {
        return affine ? parameter("weight") : null;
    }

    /** The bias (features), or null without the elementwise affine. */
    public Tensor bias() {
        return affine ? parameter("bias") : null;
    }

    @Override
    protected String describe() {
        return "LayerNorm(" + features + ", eps=" + eps + (affine ? "" : ", elementwise_affine=false") + ")";
    }
}

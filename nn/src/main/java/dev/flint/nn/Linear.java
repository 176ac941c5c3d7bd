package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * Fully connected layer {@code y = x W^T + b}: input {@code (N, in)} to output {@code (N, out)}. The
 * weight is stored {@code (out, in)} as in PyTorch; the product uses GEMM's transpose flag, so
 * {@code W^T} is never materialised.
 *
 * <pre>{@code
 * Linear fc = new Linear(784, 10, new Rng(0));
 * Tensor logits = fc.forward(images);   // (64, 784) -> (64, 10)
 * }</pre>
 *
 * <p>Initialised like PyTorch: weight and bias {@code U(-1/sqrt(in), 1/sqrt(in))} (Kaiming uniform
 * with {@code a = sqrt(5)}).
 */
public class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final boolean hasBias;

    /** A layer with bias on the default backend. */
    public Linear(int inFeatures, int outFeatures, Rng rng) {
        this(inFeatures, outFeatures, true, rng, Backends.defaultBackend());
    }

    /** A layer with or without bias on {@code backend}, initialised from {@code rng}. */
    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng, Backend backend) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: features must be >= 1, got in=" + inFeatures
                    + " out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.hasBias = bias;
        registerParameter("weight", Init.kaimingUniform(Shape.of(outFeatures, inFeatures), (float) Math.sqrt(5), rng,
                backend));
        if (bias) {
            registerParameter("bias", Init.uniform(Shape.of(outFeatures), 1.0 / Math.sqrt(inFeatures), rng, backend));
        }
    }

    /** x (N, in) -> (N, out). */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 2 || x.dim(1) != inFeatures) {
            throw new IllegalArgumentException("Linear: input " + x.shape() + " should be (N, " + inFeatures + ")"
                    + (x.rank() > 2 ? "; add a Flatten before this layer" : ""));
        }
        return x.linear(weight(), hasBias ? bias() : null);
    }

    /** The weight {@code (out, in)}. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias {@code (out)}; null when the layer has none. */
    public Tensor bias() {
        return hasBias ? parameter("bias") : null;
    }

    /** Input features per sample. */
    public int inFeatures() {
        return inFeatures;
    }

    /** Output features per sample. */
    public int outFeatures() {
        return outFeatures;
    }

    @Override
    protected String describe() {
        return "Linear(in=" + inFeatures + ", out=" + outFeatures + (hasBias ? "" : ", bias=false") + ")";
    }
}

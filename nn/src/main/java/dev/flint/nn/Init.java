package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * Weight initialisation with PyTorch's formulas ({@code torch.nn.init}), drawn on the host from a
 * seeded {@link Rng} so every backend starts from identical weights.
 *
 * <pre>{@code
 * Rng rng = new Rng(7);
 * Tensor w = Init.kaimingNormal(Shape.of(256, 784), 0f, rng, backend);   // He init for ReLU layers
 * Tensor v = Init.xavierUniform(Shape.of(10, 256), 1f, rng, backend);    // Glorot init
 * }</pre>
 *
 * <p>Fans follow PyTorch: for a weight {@code (out, in, k...)}, {@code fanIn = in * prod(k)} and
 * {@code fanOut = out * prod(k)}; a 1-D tensor has {@code fanIn = fanOut = its length}.
 */
public final class Init {
    private Init() {
    }

    /** {@code U(-b, b)} with {@code b = gain * sqrt(6 / (fanIn + fanOut))} (Glorot and Bengio, 2010). */
    public static Tensor xavierUniform(Shape shape, float gain, Rng rng, Backend backend) {
        int[] f = fans(shape);
        double bound = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform(shape, bound, rng, backend);
    }

    /** {@code N(0, s^2)} with {@code s = gain * sqrt(2 / (fanIn + fanOut))}. */
    public static Tensor xavierNormal(Shape shape, float gain, Rng rng, Backend backend) {
        int[] f = fans(shape);
        double std = gain * Math.sqrt(2.0 / (f[0] + f[1]));
        return normal(shape, std, rng, backend);
    }

    /**
     * {@code U(-b, b)} with {@code b = sqrt(6 / ((1 + a^2) fanIn))} (He et al., 2015); {@code a} is the
     * negative slope of the leaky ReLU that follows (0 for ReLU). PyTorch's Linear and Conv2d use
     * {@code a = sqrt(5)}, which gives {@code b = 1 / sqrt(fanIn)}.
     */
    public static Tensor kaimingUniform(Shape shape, float a, Rng rng, Backend backend) {
        double bound = Math.sqrt(6.0 / ((1.0 + (double) a * a) * fans(shape)[0]));
        return uniform(shape, bound, rng, backend);
    }

    /** {@code N(0, s^2)} with {@code s = sqrt(2 / ((1 + a^2) fanIn))}. */
    public static Tensor kaimingNormal(Shape shape, float a, Rng rng, Backend backend) {
        double std = Math.sqrt(2.0 / ((1.0 + (double) a * a) * fans(shape)[0]));
        return normal(shape, std, rng, backend);
    }

    /** {@code U(-bound, bound)} of the given shape. */
    public static Tensor uniform(Shape shape, double bound, Rng rng, Backend backend) {
        float[] data = new float[shape.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((2.0 * rng.nextDouble() - 1.0) * bound);
        }
        return Tensor.on(backend).fromFloats(data, shape);
    }

    /** {@code N(0, std^2)} of the given shape. */
    public static Tensor normal(Shape shape, double std, Rng rng, Backend backend) {
        float[] data = new float[shape.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (rng.nextGaussian() * std);
        }
        return Tensor.on(backend).fromFloats(data, shape);
    }

    /**
     * {@code {fanIn, fanOut}} of a weight shape, as PyTorch computes them.
     *
     * @throws IllegalArgumentException for a scalar shape, or one with a zero dimension
     */
    public static int[] fans(Shape shape) {
        if (shape.rank() == 0 || shape.size() == 0) {
            throw new IllegalArgumentException("init: fans need a non-empty tensor of rank >= 1, got " + shape);
        }
        if (shape.rank() == 1) {
            return new int[] {shape.dim(0), shape.dim(0)};
        }
        int receptive = shape.size() / (shape.dim(0) * shape.dim(1));
        return new int[] {shape.dim(1) * receptive, shape.dim(0) * receptive};
    }
}

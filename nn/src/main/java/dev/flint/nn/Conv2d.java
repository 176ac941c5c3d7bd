package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * 2-D convolution (cross-correlation, as in every framework) in NCHW layout: input
 * {@code (N, inChannels, H, W)} to output {@code (N, outChannels, H', W')} with
 * {@code H' = (H + 2 padding - kernel) / stride + 1}. Zero padding.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(1, 6, 5, 1, 2, new Rng(0));   // 5x5 kernel, stride 1, pad 2
 * Tensor maps = conv.forward(images);                    // (64, 1, 28, 28) -> (64, 6, 28, 28)
 * }</pre>
 *
 * <p>Initialised like PyTorch: weight {@code (out, in, k, k)} and bias
 * {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} with {@code fanIn = in * k * k}.
 */
public class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final boolean hasBias;

    /** A square-kernel convolution with bias on the default backend. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, Rng rng) {
        this(inChannels, outChannels, kernel, stride, padding, true, rng, Backends.defaultBackend());
    }

    /** A square-kernel convolution on {@code backend}, initialised from {@code rng}. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias, Rng rng,
                  Backend backend) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException(String.format(
                    "Conv2d: need channels, kernel, stride >= 1 and padding >= 0, got in=%d out=%d kernel=%d "
                            + "stride=%d padding=%d", inChannels, outChannels, kernel, stride, padding));
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.hasBias = bias;
        Shape w = Shape.of(outChannels, inChannels, kernel, kernel);
        registerParameter("weight", Init.kaimingUniform(w, (float) Math.sqrt(5), rng, backend));
        if (bias) {
            double bound = 1.0 / Math.sqrt(Init.fans(w)[0]);
            registerParameter("bias", Init.uniform(Shape.of(outChannels), bound, rng, backend));
        }
    }

    /** x (N, in, H, W) -> (N, out, H', W'). */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.dim(1) != inChannels) {
            throw new IllegalArgumentException("Conv2d: input " + x.shape() + " should be (N, " + inChannels
                    + ", H, W)");
        }
        return x.conv2d(weight(), bias(), stride, stride, padding, padding);
    }

    /** The weight {@code (out, in, k, k)}. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias {@code (out)}; null when the layer has none. */
    public Tensor bias() {
        return hasBias ? parameter("bias") : null;
    }

    @Override
    protected String describe() {
        return "Conv2d(in=" + inChannels + ", out=" + outChannels + ", kernel=" + kernel + ", stride=" + stride
                + ", padding=" + padding + (hasBias ? "" : ", bias=false") + ")";
    }
}

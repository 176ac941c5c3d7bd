package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * What {@link BatchNorm1d} and {@link BatchNorm2d} share: PyTorch's {@code _BatchNorm}. Each channel
 * (dimension 1) is normalized over the batch and the other dimensions; in training mode with the batch's
 * mean and biased variance, while the buffers {@code running_mean} (zeros) and {@code running_var} (ones)
 * move towards the batch's mean and unbiased variance by {@code momentum}; in evaluation mode
 * ({@link #eval()}) with the running statistics. {@code weight} starts at ones, {@code bias} at zeros.
 * The buffers are saved in the {@link #stateDict()} under PyTorch's names.
 */
public abstract class BatchNorm extends Module {
    private final int channels;
    private final float eps;
    private final float momentum;

    BatchNorm(int channels, float eps, float momentum, Backend backend) {
        if (channels < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": channels must be >= 1, got " + channels);
        }
        if (!(eps >= 0f) || !(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": eps must be >= 0 and momentum in"
                    + " [0, 1], got eps=" + eps + ", momentum=" + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", Tensor.on(backend).ones(Shape.of(channels)));
        registerParameter("bias", Tensor.on(backend).zeros(Shape.of(channels)));
        registerBuffer("running_mean", Tensor.on(backend).zeros(Shape.of(channels)));
        registerBuffer("running_var", Tensor.on(backend).ones(Shape.of(channels)));
    }

    /** Checks the input's rank and channels; the message names the expected layout. */
    abstract void checkInput(Tensor x);

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        if (x.dim(1) != channels) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": input " + x.shape() + " has "
                    + x.dim(1) + " channels (dimension 1), expected " + channels);
        }
        return x.batchNorm(runningMean(), runningVar(), weight(), bias(), isTraining(), momentum, eps);
    }

    /** The per-channel scale (channels). */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The per-channel shift (channels). */
    public Tensor bias() {
        return parameter("bias");
    }

    /** The running mean (channels), a buffer. */
    public Tensor runningMean() {
        return buffer("running_mean");
    }

    /** The running (unbiased) variance (channels), a buffer. */
    public Tensor runningVar() {
        return buffer("running_var");
    }

    /** Channels normalized. */
    public int channels() {
        return channels;
    }

    @Override
    protected String describe() {
        return getClass().getSimpleName() + "(" + channels + ", eps=" + eps + ", momentum=" + momentum + ")";
    }
}

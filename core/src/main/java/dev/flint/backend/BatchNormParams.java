package dev.flint.backend;

/**
 * The shape and settings of one batch normalization ({@link Backend#batchNormForward},
 * {@link Backend#batchNormBackward}): the input is viewed as {@code (batch, channels, inner)}, with
 * {@code inner = H * W} for images and 1 for {@code (N, C)} features, and each channel is normalized
 * over its {@code batch * inner} values. PyTorch's rules ({@code torch.nn.functional.batch_norm}):
 * training normalizes with the batch's mean and biased variance and moves the running statistics by
 * {@code running = (1 - momentum) * running + momentum * batchStat} with the unbiased variance;
 * evaluation normalizes with the running statistics.
 *
 * <pre>{@code
 * // x (32, 16, 28, 28) in training mode
 * BatchNormParams p = new BatchNormParams(32, 16, 28 * 28, true, 0.1f, 1e-5f);
 * }</pre>
 */
public record BatchNormParams(int batch, int channels, int inner, boolean training, float momentum, float eps) {

    public BatchNormParams {
        if (batch < 1 || channels < 1 || inner < 1) {
            throw new IllegalArgumentException("batchNorm: sizes must be >= 1, got batch=" + batch + " channels="
                    + channels + " inner=" + inner);
        }
        if (!(eps >= 0f) || !(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("batchNorm: eps must be >= 0 and momentum in [0, 1], got eps=" + eps
                    + " momentum=" + momentum);
        }
    }

    /** Values per channel: {@code batch * inner}. */
    public int count() {
        return batch * inner;
    }

    /** Elements of the input (and output). */
    public int size() {
        return batch * channels * inner;
    }
}

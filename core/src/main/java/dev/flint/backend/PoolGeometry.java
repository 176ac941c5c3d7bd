package dev.flint.backend;

/**
 * Shapes of a 2-D pooling in NCHW layout: input {@code (batch, channels, inH, inW)}, output
 * {@code (batch, channels, outH, outW)} with {@code outH = (inH + 2 padH - kernelH) / strideH + 1}.
 * Max pooling ignores padded cells; average pooling counts them as zeros (PyTorch's
 * {@code count_include_pad=True}).
 */
public record PoolGeometry(int batch, int channels, int inH, int inW,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {

    public PoolGeometry {
        if (batch < 1 || channels < 1 || inH < 1 || inW < 1 || kernelH < 1 || kernelW < 1
                || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException(String.format(
                    "pool2d: invalid geometry batch=%d channels=%d %dx%d kernel=%dx%d stride=%dx%d pad=%dx%d",
                    batch, channels, inH, inW, kernelH, kernelW, strideH, strideW, padH, padW));
        }
        if (2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException("pool2d: padding " + padH + "x" + padW
                    + " must be at most half the kernel " + kernelH + "x" + kernelW);
        }
        if (inH + 2 * padH < kernelH || inW + 2 * padW < kernelW) {
            throw new IllegalArgumentException("pool2d: kernel " + kernelH + "x" + kernelW
                    + " is larger than the padded input " + (inH + 2 * padH) + "x" + (inW + 2 * padW));
        }
    }

    public int outH() {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }

    public int inputSize() {
        return batch * channels * inH * inW;
    }

    public int outputSize() {
        return batch * channels * outH() * outW();
    }
}

package dev.flint.backend;

/**
 * Shapes of a 2-D convolution in NCHW layout: input {@code (batch, inChannels, inH, inW)},
 * weight {@code (outChannels, inChannels, kernelH, kernelW)}, output
 * {@code (batch, outChannels, outH, outW)} with {@code outH = (inH + 2 padH - kernelH) / strideH + 1}.
 * Padding is zeros.
 */
public record ConvGeometry(int batch, int inChannels, int inH, int inW,
                           int outChannels, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW) {

    public ConvGeometry {
        if (batch < 1 || inChannels < 1 || inH < 1 || inW < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1
                || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: invalid geometry " + describe(batch, inChannels, inH, inW,
                    outChannels, kernelH, kernelW, strideH, strideW, padH, padW));
        }
        if (inH + 2 * padH < kernelH || inW + 2 * padW < kernelW) {
            throw new IllegalArgumentException("conv2d: kernel " + kernelH + "x" + kernelW
                    + " is larger than the padded input " + (inH + 2 * padH) + "x" + (inW + 2 * padW));
        }
    }

    public int outH() {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }

    /** Elements of the input tensor. */
    public int inputSize() {
        return batch * inChannels * inH * inW;
    }

    /** Elements of the weight tensor. */
    public int weightSize() {
        return outChannels * inChannels * kernelH * kernelW;
    }

    /** Elements of the output tensor. */
    public int outputSize() {
        return batch * outChannels * outH() * outW();
    }

    private static String describe(int... v) {
        return String.format("batch=%d in=%d %dx%d out=%d kernel=%dx%d stride=%dx%d pad=%dx%d",
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
    }
}

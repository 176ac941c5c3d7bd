package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.DType;
import dev.flint.backend.PoolGeometry;

/** Softmax, convolution, pooling and dropout. */
final class NnOps {
    private NnOps() {
    }

    static Tensor softmax(Tensor x, int dim, boolean log) {
        String op = log ? "log_softmax" : "softmax";
        Checks.floats(op, x);
        if (x.rank() == 0) {
            throw new IllegalArgumentException(op + ": needs at least one dimension, got a scalar");
        }
        int axis = x.shape().axis(dim, op);
        int last = x.rank() - 1;
        if (axis != last) {
            // The primitive works on rows; move the axis last and back (both steps are differentiable).
            return softmax(x.transpose(axis, last), last, log).transpose(axis, last);
        }
        Backend be = x.backend();
        int cols = x.shape().dim(last);
        int rows = cols == 0 ? 0 : x.size() / cols;
        Tensor y = Tensor.empty(be, x.shape(), DType.FLOAT32);
        if (x.size() > 0) {
            be.softmaxForward(log, x.storage(), y.storage(), rows, cols);
        }
        // softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - e^y sum(dy), per row
        return Tensor.record(y, op, Tensor.saves(y), g -> {
            Tensor dx = Tensor.empty(be, x.shape(), DType.FLOAT32);
            if (x.size() > 0) {
                be.softmaxBackward(log, y.storage(), g.storage(), dx.storage(), rows, cols);
            }
            return new Tensor[] {dx};
        }, x);
    }

    /**
     * Rows of {@code weight (count, dim)} picked by the INT32 {@code indices} of any shape: (..., dim).
     * The gradient scatters into the picked rows (repeats add up), except the padding row's, which stays 0.
     */
    static Tensor embedding(Tensor weight, Tensor indices, int paddingIndex) {
        String op = "embedding";
        Checks.floats(op, weight);
        Checks.int32(op, "indices", indices);
        Checks.sameBackend(op, weight, indices);
        Checks.rank(op, "weight (count, dim)", weight, 2);
        int count = weight.shape().dim(0);
        int dim = weight.shape().dim(1);
        if (paddingIndex < -1 || paddingIndex >= count) {
            throw new IllegalArgumentException(op + ": padding index must be in [0, " + count + ") or -1 for none, got "
                    + paddingIndex);
        }
        int n = indices.size();
        if (n > 0) {
            for (int i : indices.toIntArray()) {
                if (i < 0 || i >= count) {
                    throw new IllegalArgumentException(op + ": index " + i + " is out of range [0, " + count
                            + ") for weight " + weight.shape());
                }
            }
        }
        int[] outDims = java.util.Arrays.copyOf(indices.shape().dims(), indices.rank() + 1);
        outDims[indices.rank()] = dim;
        Backend be = weight.backend();
        Tensor y = Tensor.empty(be, Shape.of(outDims), DType.FLOAT32);
        if (n > 0 && dim > 0) {
            be.gatherRows(weight.storage(), indices.storage(), y.storage(), n, dim);
        }
        Shape source = weight.shape();
        // dW = scatter-add of g's rows into zeros at the indices; the padding row's gradient is 0
        return Tensor.record(y, op, Tensor.saves(indices), g -> {
            Tensor dw = Tensor.on(be).zeros(source);
            if (n > 0 && dim > 0) {
                be.scatterAddRows(g.storage(), indices.storage(), dw.storage(), n, dim);
                if (paddingIndex >= 0) {
                    be.fill(dw.storage(), paddingIndex * dim, dim, 0f);
                }
            }
            return new Tensor[] {dw};
        }, weight);
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int strideH, int strideW, int padH, int padW) {
        if (bias == null) {
            Checks.floats("conv2d", x, w);
        } else {
            Checks.floats("conv2d", x, w, bias);
        }
        Checks.rank("conv2d", "input (N, C, H, W)", x, 4);
        Checks.rank("conv2d", "weight (O, C, kH, kW)", w, 4);
        if (x.shape().dim(1) != w.shape().dim(1)) {
            throw new IllegalArgumentException("conv2d: input " + x.shape() + " has " + x.shape().dim(1)
                    + " channels, weight " + w.shape() + " expects " + w.shape().dim(1));
        }
        if (bias != null && (bias.rank() != 1 || bias.shape().dim(0) != w.shape().dim(0))) {
            throw new IllegalArgumentException("conv2d: bias " + bias.shape() + " must be [" + w.shape().dim(0)
                    + "] for weight " + w.shape());
        }
        ConvGeometry geo;
        try {
            geo = new ConvGeometry(x.shape().dim(0), x.shape().dim(1), x.shape().dim(2), x.shape().dim(3),
                    w.shape().dim(0), w.shape().dim(2), w.shape().dim(3), strideH, strideW, padH, padW);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (input " + x.shape() + ", weight " + w.shape() + ")", e);
        }
        Backend be = x.backend();
        Tensor y = Tensor.empty(be, Shape.of(geo.batch(), geo.outChannels(), geo.outH(), geo.outW()), DType.FLOAT32);
        be.conv2dForward(geo, x.storage(), w.storage(), bias == null ? null : bias.storage(), y.storage());
        // dx = conv_transpose(dy, w); dw = correlate(x, dy); db = sum of dy over (N, H, W)
        return Tensor.record(y, "conv2d", Tensor.saves(x, w), g -> {
            Tensor dx = null;
            Tensor dw = null;
            Tensor db = null;
            if (x.requiresGrad()) {
                dx = Tensor.empty(be, x.shape(), DType.FLOAT32);
                be.conv2dBackwardData(geo, g.storage(), w.storage(), dx.storage());
            }
            if (w.requiresGrad()) {
                dw = Tensor.empty(be, w.shape(), DType.FLOAT32);
                be.conv2dBackwardWeight(geo, x.storage(), g.storage(), dw.storage());
            }
            if (bias != null && bias.requiresGrad()) {
                db = g.sum(new int[] {0, 2, 3}, false);
            }
            return new Tensor[] {dx, dw, db};
        }, x, w, bias);
    }

    private static PoolGeometry pool(String op, Tensor x, int kernelH, int kernelW, int strideH, int strideW,
                                     int padH, int padW) {
        Checks.floats(op, x);
        Checks.rank(op, "input (N, C, H, W)", x, 4);
        try {
            return new PoolGeometry(x.shape().dim(0), x.shape().dim(1), x.shape().dim(2), x.shape().dim(3),
                    kernelH, kernelW, strideH, strideW, padH, padW);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage() + " (input " + x.shape() + ")", e);
        }
    }

    static Tensor maxPool2d(Tensor x, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        PoolGeometry geo = pool("maxPool2d", x, kernelH, kernelW, strideH, strideW, padH, padW);
        Backend be = x.backend();
        Shape out = Shape.of(geo.batch(), geo.channels(), geo.outH(), geo.outW());
        Tensor y = Tensor.empty(be, out, DType.FLOAT32);
        Tensor indices = Tensor.empty(be, out, DType.INT32);
        be.maxPool2dForward(geo, x.storage(), y.storage(), indices.storage());
        // dx = dy routed to the winning input of each window
        return Tensor.record(y, "max_pool2d", Tensor.NOTHING_SAVED, g -> {
            Tensor dx = Tensor.empty(be, x.shape(), DType.FLOAT32);
            be.maxPool2dBackward(geo, g.storage(), indices.storage(), dx.storage());
            return new Tensor[] {dx};
        }, x);
    }

    static Tensor avgPool2d(Tensor x, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        PoolGeometry geo = pool("avgPool2d", x, kernelH, kernelW, strideH, strideW, padH, padW);
        Backend be = x.backend();
        Tensor y = Tensor.empty(be, Shape.of(geo.batch(), geo.channels(), geo.outH(), geo.outW()), DType.FLOAT32);
        be.avgPool2dForward(geo, x.storage(), y.storage());
        // dx = dy / (kH kW) spread over each window
        return Tensor.record(y, "avg_pool2d", Tensor.NOTHING_SAVED, g -> {
            Tensor dx = Tensor.empty(be, x.shape(), DType.FLOAT32);
            be.avgPool2dBackward(geo, g.storage(), dx.storage());
            return new Tensor[] {dx};
        }, x);
    }

    static Tensor dropout(Tensor x, float p, boolean training, Rng rng) {
        Checks.floats("dropout", x);
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1), got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        float keep = 1f / (1f - p);
        float[] mask = new float[x.size()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rng.nextFloat() >= p ? keep : 0f;
        }
        Tensor m = Tensor.on(x.backend()).fromFloats(mask, x.shape());
        // the mask is a constant: mul's backward gives g * mask
        return x.mul(m);
    }
}

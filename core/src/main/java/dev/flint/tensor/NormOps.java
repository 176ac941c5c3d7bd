package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.BatchNormParams;
import dev.flint.backend.DType;

/** Layer and batch normalization: one fused primitive forward, one backward, statistics kept between them. */
final class NormOps {
    private NormOps() {
    }

    /** Checks that an optional per-feature tensor is float32 of shape (features). */
    private static void perFeature(String op, String what, Tensor t, Tensor x, int features) {
        if (t == null) {
            return;
        }
        Checks.floats(op, x, t);
        if (t.rank() != 1 || t.shape().dim(0) != features) {
            throw new IllegalArgumentException(op + ": " + what + " must have shape [" + features + "] for input "
                    + x.shape() + ", got " + t.shape());
        }
    }

    /**
     * Layer normalization over the last dimension of x: {@code y = (x - mean) / sqrt(var + eps) * weight + bias},
     * biased variance, as PyTorch's {@code layer_norm(x, (x.shape[-1],), weight, bias, eps)}.
     */
    static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        String op = "layerNorm";
        Checks.floats(op, x);
        if (x.rank() == 0) {
            throw new IllegalArgumentException(op + ": needs at least one dimension, got a scalar");
        }
        if (!(eps >= 0f)) {
            throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
        }
        int cols = x.shape().dim(-1);
        perFeature(op, "weight", weight, x, cols);
        perFeature(op, "bias", bias, x, cols);
        int rows = cols == 0 ? 0 : x.size() / cols;
        Backend be = x.backend();
        Tensor y = Tensor.empty(be, x.shape(), DType.FLOAT32);
        // The row statistics, kept for the backward pass: 2 floats a row instead of the normalized input.
        Tensor mean = Tensor.empty(be, Shape.of(rows), DType.FLOAT32);
        Tensor rstd = Tensor.empty(be, Shape.of(rows), DType.FLOAT32);
        if (x.size() > 0) {
            be.layerNormForward(x.storage(), weight == null ? null : weight.storage(),
                    bias == null ? null : bias.storage(), y.storage(), mean.storage(), rstd.storage(), rows, cols, eps);
        }
        // xhat = (x - mean) rstd, g = dy w:  dx = rstd (g - mean(g) - xhat mean(g xhat)) per row;
        // dw = sum over rows of dy xhat; db = sum over rows of dy
        return Tensor.record(y, "layer_norm", weight == null ? Tensor.saves(x) : Tensor.saves(x, weight), g -> {
            Tensor dx = x.requiresGrad() ? Tensor.empty(be, x.shape(), DType.FLOAT32) : null;
            Tensor dw = weight != null && weight.requiresGrad() ? Tensor.empty(be, weight.shape(), DType.FLOAT32)
                    : null;
            Tensor db = bias != null && bias.requiresGrad() ? Tensor.empty(be, bias.shape(), DType.FLOAT32) : null;
            if (x.size() > 0) {
                be.layerNormBackward(x.storage(), weight == null ? null : weight.storage(), mean.storage(),
                        rstd.storage(), g.storage(), dx == null ? null : dx.storage(),
                        dw == null ? null : dw.storage(), db == null ? null : db.storage(), rows, cols);
            } else {
                zero(dw);
                zero(db);
            }
            return new Tensor[] {dx, dw, db};
        }, x, weight, bias);
    }

    private static void zero(Tensor t) {
        if (t != null) {
            t.backend().fill(t.storage(), 0, t.size(), 0f);
        }
    }

    /**
     * Batch normalization over dimension 1 of x (N, C), (N, C, L) or (N, C, H, W), PyTorch's
     * {@code batch_norm}: in training, the batch's statistics normalize and the running ones (when given)
     * move by {@code momentum}; in evaluation, the running statistics normalize.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                            boolean training, float momentum, float eps) {
        String op = "batchNorm";
        Checks.floats(op, x);
        if (x.rank() < 2) {
            throw new IllegalArgumentException(op + ": expected an input (N, C), (N, C, L) or (N, C, H, W), got shape "
                    + x.shape());
        }
        int batch = x.shape().dim(0);
        int channels = x.shape().dim(1);
        int inner = x.shape().sizeBetween(2, x.rank());
        perFeature(op, "weight", weight, x, channels);
        perFeature(op, "bias", bias, x, channels);
        perFeature(op, "running mean", runningMean, x, channels);
        perFeature(op, "running var", runningVar, x, channels);
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException(op + ": give both running statistics or neither, got "
                    + (runningMean == null ? "only a running var" : "only a running mean"));
        }
        if (!training && runningMean == null) {
            throw new IllegalArgumentException(op + ": evaluation mode normalizes with the running statistics, but"
                    + " none were given (pass training=true to use the batch's)");
        }
        for (Tensor s : new Tensor[] {runningMean, runningVar}) {
            if (s != null && s.requiresGrad()) {
                throw new IllegalArgumentException(op + ": the running statistics are buffers updated in place and"
                        + " must not require a gradient");
            }
        }
        if (training && (long) batch * inner <= 1) {
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got input"
                    + " shape " + x.shape());
        }
        if (x.size() == 0) {
            throw new IllegalArgumentException(op + ": input " + x.shape() + " is empty");
        }
        BatchNormParams p;
        try {
            p = new BatchNormParams(batch, channels, inner, training, momentum, eps);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (input " + x.shape() + ")", e);
        }
        Backend be = x.backend();
        Tensor y = Tensor.empty(be, x.shape(), DType.FLOAT32);
        Tensor mean = Tensor.empty(be, Shape.of(channels), DType.FLOAT32);
        Tensor invStd = Tensor.empty(be, Shape.of(channels), DType.FLOAT32);
        // The running statistics change in place (in training): mutableStorage counts the write.
        boolean update = training && runningMean != null;
        be.batchNormForward(p, x.storage(), weight == null ? null : weight.storage(),
                bias == null ? null : bias.storage(),
                runningMean == null ? null : update ? runningMean.mutableStorage() : runningMean.storage(),
                runningVar == null ? null : update ? runningVar.mutableStorage() : runningVar.storage(), y.storage(),
                mean.storage(), invStd.storage());
        // xhat = (x - mean) invStd; training: dx = w invStd (dy - mean(dy) - xhat mean(dy xhat)) over the
        // channel's values (the statistics depend on x); evaluation: dx = w invStd dy;
        // dw = sum(dy xhat), db = sum(dy) per channel
        return Tensor.record(y, "batch_norm", weight == null ? Tensor.saves(x) : Tensor.saves(x, weight), g -> {
            Tensor dx = x.requiresGrad() ? Tensor.empty(be, x.shape(), DType.FLOAT32) : null;
            Tensor dw = weight != null && weight.requiresGrad() ? Tensor.empty(be, weight.shape(), DType.FLOAT32)
                    : null;
            Tensor db = bias != null && bias.requiresGrad() ? Tensor.empty(be, bias.shape(), DType.FLOAT32) : null;
            be.batchNormBackward(p, x.storage(), weight == null ? null : weight.storage(), mean.storage(),
                    invStd.storage(), g.storage(), dx == null ? null : dx.storage(), dw == null ? null : dw.storage(),
                    db == null ? null : db.storage());
            return new Tensor[] {dx, dw, db};
        }, x, weight, bias);
    }
}

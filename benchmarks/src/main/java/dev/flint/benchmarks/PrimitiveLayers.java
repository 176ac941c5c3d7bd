package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.PoolGeometry;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.SgdParams;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Layers written directly on backend primitives, with every buffer allocated once: the floor a
 * training step can reach on a backend, with no autograd graph, no scope and no temporaries. The
 * primitive-level step benchmarks use them; the gap to the tensor-level steps is the front end's cost.
 *
 * <pre>{@code
 * PrimitiveLayers layers = new PrimitiveLayers(backend);
 * PrimitiveLayers.Linear fc = layers.linear(784, 512, 128, 1L);
 * fc.forward(x, h);   // h (128, 512) = x (128, 784) W (784, 512) + b
 * }</pre>
 */
final class PrimitiveLayers {

    private final Backend b;
    private final List<Storage> owned = new ArrayList<>();
    private final List<Consumer<SgdParams>> updates = new ArrayList<>();
    private boolean firstStep = true;

    PrimitiveLayers(Backend backend) {
        this.b = backend;
    }

    Storage floats(int n) {
        Storage s = BenchSupport.zeros(b, n);
        owned.add(s);
        return s;
    }

    Storage uniform(int n, long seed, float bound) {
        Storage s = BenchSupport.uniform(b, n, seed, -bound, bound);
        owned.add(s);
        return s;
    }

    Storage ints(int n) {
        Storage s = b.allocate(DType.INT32, n);
        b.fill(s, 0, n, 0f);
        owned.add(s);
        return s;
    }

    Linear linear(int in, int out, int batch, long seed) {
        return new Linear(in, out, batch, seed);
    }

    Conv conv(ConvGeometry g, long seed) {
        return new Conv(g, seed);
    }

    /** ReLU forward: {@code y = max(0, x)}. */
    void relu(Storage x, Storage y, int n) {
        b.unary(Unary.of(UnaryOp.RELU), x, y, n);
    }

    /** ReLU backward: {@code dx = dy * (x > 0)}. */
    void reluBackward(Storage x, Storage y, Storage dy, Storage dx, int n) {
        b.unaryBackward(Unary.of(UnaryOp.RELU), x, null, dy, dx, n);
    }

    /** SGD with momentum (PyTorch's rule) on every parameter made by this object. */
    void sgdStep(float lr, float momentum) {
        SgdParams p = new SgdParams(lr, momentum, 0f, 0f, false, firstStep);
        for (Consumer<SgdParams> update : updates) {
            update.accept(p);
        }
        firstStep = false;
    }

    /** Frees every buffer this object allocated. */
    void release() {
        for (Storage s : owned) {
            s.release();
        }
        owned.clear();
    }

    /** {@code y (batch, out) = x (batch, in) W (in, out) + b}; W is stored (in, out). */
    final class Linear {
        final int in;
        final int out;
        final int batch;
        final Storage w;
        final Storage bias;
        final Storage dw;
        final Storage db;

        private Linear(int in, int out, int batch, long seed) {
            this.in = in;
            this.out = out;
            this.batch = batch;
            // PyTorch's default init bound, 1/sqrt(fan_in), so the step sees the same magnitudes.
            float bound = (float) (1.0 / Math.sqrt(in));
            w = uniform(in * out, seed, bound);
            bias = uniform(out, seed + 1, bound);
            dw = floats(in * out);
            db = floats(out);
            Storage vw = floats(in * out);
            Storage vb = floats(out);
            updates.add(p -> {
                b.sgdUpdate(w, dw, vw, in * out, p);
                b.sgdUpdate(bias, db, vb, out, p);
            });
        }

        void forward(Storage x, Storage y) {
            // Start y from the bias rows (a stride-0 block copy), then accumulate x W with beta = 1.
            b.copyBlocks(bias, 0, 0, y, 0, out, batch, out);
            b.gemm(Gemm.of(batch, out, in).a(x, false).b(w, false).beta(1f).into(y));
        }

        /** dW = x^T dy, db = column sums of dy, and dx = dy W^T unless {@code dx} is null. */
        void backward(Storage x, Storage dy, Storage dx) {
            b.gemm(Gemm.of(in, out, batch).a(x, true).b(dy, false).into(dw));
            b.reduce(ReduceOp.SUM, dy, 1, batch, out, db);
            if (dx != null) {
                b.gemm(Gemm.of(batch, in, out).a(dy, false).b(w, true).into(dx));
            }
        }
    }

    /** conv2d with bias, weight (O, I, KH, KW). */
    final class Conv {
        final ConvGeometry g;
        final Storage w;
        final Storage bias;
        final Storage dw;
        final Storage db;
        private final Storage perPlane;

        private Conv(ConvGeometry g, long seed) {
            this.g = g;
            float bound = (float) (1.0 / Math.sqrt(g.inChannels() * g.kernelH() * g.kernelW()));
            w = uniform(g.weightSize(), seed, bound);
            bias = uniform(g.outChannels(), seed + 1, bound);
            dw = floats(g.weightSize());
            db = floats(g.outChannels());
            perPlane = floats(g.batch() * g.outChannels());
            Storage vw = floats(g.weightSize());
            Storage vb = floats(g.outChannels());
            updates.add(p -> {
                b.sgdUpdate(w, dw, vw, g.weightSize(), p);
                b.sgdUpdate(bias, db, vb, g.outChannels(), p);
            });
        }

        void forward(Storage x, Storage y) {
            b.conv2dForward(g, x, w, bias, y);
        }

        /** dW, db (sum of dy over batch and space), and dx unless {@code dx} is null. */
        void backward(Storage x, Storage dy, Storage dx) {
            b.conv2dBackwardWeight(g, x, dy, dw);
            int planes = g.batch() * g.outChannels();
            b.reduce(ReduceOp.SUM, dy, planes, g.outH() * g.outW(), 1, perPlane);
            b.reduce(ReduceOp.SUM, perPlane, 1, g.batch(), g.outChannels(), db);
            if (dx != null) {
                b.conv2dBackwardData(g, dy, w, dx);
            }
        }
    }

    /** 2x2 max pooling, stride 2, over {@code (batch, channels, h, w)}. */
    final class MaxPool {
        final PoolGeometry g;
        final Storage indices;

        MaxPool(int batch, int channels, int h, int w) {
            g = new PoolGeometry(batch, channels, h, w, 2, 2, 2, 2, 0, 0);
            indices = ints(g.outputSize());
        }

        void forward(Storage x, Storage y) {
            b.maxPool2dForward(g, x, y, indices);
        }

        void backward(Storage dy, Storage dx) {
            b.maxPool2dBackward(g, dy, indices, dx);
        }
    }

    MaxPool maxPool(int batch, int channels, int h, int w) {
        return new MaxPool(batch, channels, h, w);
    }

    /** Softmax cross-entropy, mean over the batch, with its gradient buffers. */
    final class CrossEntropy {
        final int rows;
        final int classes;
        final Storage probs;
        final Storage losses;
        final Storage lossSum;
        final Storage dLosses;

        CrossEntropy(int rows, int classes) {
            this.rows = rows;
            this.classes = classes;
            probs = floats(rows * classes);
            losses = floats(rows);
            lossSum = floats(1);
            dLosses = floats(rows);
            // d(mean)/d(loss_r) = 1/rows for every row.
            b.fill(dLosses, 0, rows, 1f / rows);
        }

        void forward(Storage logits, Storage labels) {
            b.softmaxCrossEntropyForward(logits, labels, probs, losses, rows, classes);
            b.reduce(ReduceOp.SUM, losses, 1, rows, 1, lossSum);
        }

        void backward(Storage labels, Storage dLogits) {
            b.softmaxCrossEntropyBackward(probs, labels, dLosses, dLogits, rows, classes);
        }

        /** The mean loss of the last forward pass, downloaded to the host. */
        float mean() {
            float[] host = new float[1];
            b.download(lossSum, 0, host, 0, 1);
            return host[0] / rows;
        }
    }

    CrossEntropy crossEntropy(int rows, int classes) {
        return new CrossEntropy(rows, classes);
    }
}

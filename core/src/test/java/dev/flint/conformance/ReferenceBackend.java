package dev.flint.conformance;

import dev.flint.backend.AbstractStorage;
import dev.flint.backend.AdamParams;
import dev.flint.backend.Attention;
import dev.flint.backend.BatchNormParams;
import dev.flint.backend.Backend;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.MemoryStats;
import dev.flint.backend.PoolGeometry;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.SgdParams;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;

/**
 * A backend for flint-core's own tests: float32 and int32 host arrays, every primitive computed by
 * {@link Reference} in float64 and rounded once to float32. It lets the conformance suite run (and be
 * shown to pass on a correct implementation) without a real backend module, and it is the base that
 * {@code SuiteSensitivityTest} plants bugs into. Engine-api's tests also reach it by name as
 * {@code Backends.get("reference")} through {@code dev.flint.testing.ReferenceBackendProvider}, which
 * constructs it reflectively; keep the no-argument constructor.
 *
 * <pre>{@code
 * Backend b = new ReferenceBackend();
 * Storage s = b.allocate(DType.FLOAT32, 4);
 * }</pre>
 */
class ReferenceBackend implements Backend {

    /** Host memory: a float[] for FLOAT32, an int[] for INT32. */
    static final class HostStorage extends AbstractStorage {
        final float[] floats;
        final int[] ints;

        HostStorage(Backend backend, DType dtype, int size) {
            super(backend, dtype, size);
            floats = dtype == DType.FLOAT32 ? new float[size] : null;
            ints = dtype == DType.INT32 ? new int[size] : null;
        }

        @Override
        protected void free() {
            // Host arrays: nothing to return; the garbage collector takes them with the storage.
        }
    }

    static float[] f(Storage s) {
        return ((HostStorage) s).floats;
    }

    static int[] i(Storage s) {
        return ((HostStorage) s).ints;
    }

    static double[] d(Storage s) {
        return Reference.widen(f(s));
    }

    /** Rounds {@code values[0, n)} to float32 into {@code s}. */
    static void store(double[] values, Storage s, int n) {
        float[] dst = f(s);
        for (int k = 0; k < n; k++) {
            dst[k] = (float) values[k];
        }
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String deviceDescription() {
        return "float64 reference on the host (tests only)";
    }

    @Override
    public Storage allocate(DType dtype, int size) {
        return new HostStorage(this, dtype, size);
    }

    @Override
    public void upload(float[] src, int srcOffset, Storage dst, int dstOffset, int length) {
        System.arraycopy(src, srcOffset, f(dst), dstOffset, length);
    }

    @Override
    public void upload(int[] src, int srcOffset, Storage dst, int dstOffset, int length) {
        System.arraycopy(src, srcOffset, i(dst), dstOffset, length);
    }

    @Override
    public void download(Storage src, int srcOffset, float[] dst, int dstOffset, int length) {
        System.arraycopy(f(src), srcOffset, dst, dstOffset, length);
    }

    @Override
    public void download(Storage src, int srcOffset, int[] dst, int dstOffset, int length) {
        System.arraycopy(i(src), srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Storage dst, int offset, int length, float value) {
        if (dst.dtype() == DType.FLOAT32) {
            java.util.Arrays.fill(f(dst), offset, offset + length, value);
        } else {
            java.util.Arrays.fill(i(dst), offset, offset + length, (int) value);
        }
    }

    @Override
    public void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                           int blocks, int blockLength) {
        Object s = src.dtype() == DType.FLOAT32 ? f(src) : i(src);
        Object t = dst.dtype() == DType.FLOAT32 ? f(dst) : i(dst);
        Reference.copyBlocks(s, srcOffset, srcStride, t, dstOffset, dstStride, blocks, blockLength);
    }

    @Override
    public void permute(Storage src, int[] srcDims, int[] perm, Storage dst) {
        int[] source = Reference.permuteSource(srcDims, perm);
        for (int k = 0; k < source.length; k++) {
            if (src.dtype() == DType.FLOAT32) {
                f(dst)[k] = f(src)[source[k]];
            } else {
                i(dst)[k] = i(src)[source[k]];
            }
        }
    }

    @Override
    public void cast(Storage src, Storage dst, int n) {
        for (int k = 0; k < n; k++) {
            if (src.dtype() == DType.FLOAT32) {
                i(dst)[k] = (int) f(src)[k];
            } else {
                f(dst)[k] = i(src)[k];
            }
        }
    }

    @Override
    public void gemm(Gemm g) {
        double[] cd = d(g.c().data());
        Reference.gemm(g.transA(), g.transB(), g.batch(), g.m(), g.n(), g.k(), g.alpha(), d(g.a().data()),
                g.a().offset(), g.a().batchStride(), d(g.b().data()), g.b().offset(), g.b().batchStride(), g.beta(), cd,
                g.c().offset(), g.c().batchStride());
        float[] out = f(g.c().data());
        for (int p = 0; p < g.batch(); p++) {
            for (int e = 0; e < g.m() * g.n(); e++) {
                int at = g.c().offset() + p * g.c().batchStride() + e;
                out[at] = (float) cd[at];
            }
        }
    }

    @Override
    public void unary(Unary f, Storage x, Storage y, int n) {
        double[] out = new double[n];
        Reference.unary(f, d(x), out, n);
        store(out, y, n);
    }

    @Override
    public void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n) {
        double[] out = new double[n];
        // Only the declared operand is there; the exact derivative at x needs x, so for ops that read
        // their output the reference derives from y as the backends do.
        double[] xs = x == null ? new double[n] : d(x);
        Reference.unaryBackward(f, xs, y == null ? null : d(y), d(dy), out, n);
        store(out, dx, n);
    }

    @Override
    public void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out, int[] outDims) {
        int n = Reference.product(outDims);
        double[] result = new double[n];
        Reference.binary(op, d(a), aStrides, d(b), bStrides, result, outDims);
        store(result, out, n);
    }

    @Override
    public void reduce(ReduceOp op, Storage x, int outer, int extent, int inner, Storage out) {
        double[] result = new double[outer * inner];
        Reference.reduce(op, d(x), outer, extent, inner, result);
        store(result, out, result.length);
    }

    @Override
    public void argmax(Storage x, int outer, int extent, int inner, Storage out) {
        int[] result = new int[outer * inner];
        Reference.argmax(d(x), outer, extent, inner, result);
        System.arraycopy(result, 0, i(out), 0, result.length);
    }

    @Override
    public void softmaxForward(boolean log, Storage x, Storage y, int rows, int cols) {
        double[] out = new double[rows * cols];
        Reference.softmaxForward(log, d(x), out, rows, cols);
        store(out, y, out.length);
    }

    @Override
    public void softmaxBackward(boolean log, Storage y, Storage dy, Storage dx, int rows, int cols) {
        double[] out = new double[rows * cols];
        Reference.softmaxBackward(log, d(y), d(dy), out, rows, cols);
        store(out, dx, out.length);
    }

    @Override
    public void softmaxCrossEntropyForward(Storage logits, Storage labels, Storage probs, Storage losses, int rows,
                                           int classes) {
        double[] p = new double[rows * classes];
        double[] l = new double[rows];
        Reference.softmaxCrossEntropyForward(d(logits), i(labels), p, l, rows, classes);
        store(p, probs, p.length);
        store(l, losses, rows);
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage dLosses, Storage dLogits, int rows,
                                            int classes) {
        double[] out = new double[rows * classes];
        Reference.softmaxCrossEntropyBackward(d(probs), i(labels), d(dLosses), out, rows, classes);
        store(out, dLogits, out.length);
    }

    @Override
    public void layerNormForward(Storage x, Storage weight, Storage bias, Storage y, Storage mean, Storage rstd,
                                 int rows, int cols, float eps) {
        double[] out = new double[rows * cols];
        double[] m = new double[rows];
        double[] r = new double[rows];
        Reference.layerNormForward(d(x), orNull(weight), orNull(bias), out, m, r, rows, cols, eps);
        store(out, y, out.length);
        store(m, mean, rows);
        store(r, rstd, rows);
    }

    @Override
    public void layerNormBackward(Storage x, Storage weight, Storage mean, Storage rstd, Storage dy, Storage dx,
                                  Storage dWeight, Storage dBias, int rows, int cols) {
        double[] gx = dx == null ? null : new double[rows * cols];
        double[] gw = dWeight == null ? null : new double[cols];
        double[] gb = dBias == null ? null : new double[cols];
        Reference.layerNormBackward(d(x), orNull(weight), d(mean), d(rstd), d(dy), gx, gw, gb, rows, cols);
        storeIfPresent(gx, dx);
        storeIfPresent(gw, dWeight);
        storeIfPresent(gb, dBias);
    }

    @Override
    public void batchNormForward(BatchNormParams p, Storage x, Storage weight, Storage bias, Storage runningMean,
                                 Storage runningVar, Storage y, Storage saveMean, Storage saveInvStd) {
        double[] out = new double[p.size()];
        double[] m = new double[p.channels()];
        double[] s = new double[p.channels()];
        double[] rm = orNull(runningMean);
        double[] rv = orNull(runningVar);
        Reference.batchNormForward(p, d(x), orNull(weight), orNull(bias), rm, rv, out, m, s);
        store(out, y, out.length);
        store(m, saveMean, m.length);
        store(s, saveInvStd, s.length);
        if (p.training()) {
            storeIfPresent(rm, runningMean);
            storeIfPresent(rv, runningVar);
        }
    }

    @Override
    public void batchNormBackward(BatchNormParams p, Storage x, Storage weight, Storage saveMean, Storage saveInvStd,
                                  Storage dy, Storage dx, Storage dWeight, Storage dBias) {
        double[] gx = dx == null ? null : new double[p.size()];
        double[] gw = dWeight == null ? null : new double[p.channels()];
        double[] gb = dBias == null ? null : new double[p.channels()];
        Reference.batchNormBackward(p, d(x), orNull(weight), d(saveMean), d(saveInvStd), d(dy), gx, gw, gb);
        storeIfPresent(gx, dx);
        storeIfPresent(gw, dWeight);
        storeIfPresent(gb, dBias);
    }

    @Override
    public void attentionForward(Attention a) {
        double[] out = d(a.out().data());
        double[] lse = new double[a.batch() * a.heads() * a.queries()];
        Reference.attentionForward(a, d(a.q().data()), d(a.k().data()), d(a.v().data()),
                a.mask() == null ? null : d(a.mask().data()), out, lse);
        // Only the output's own elements changed; the rest of its buffer round-trips through double exactly.
        store(out, a.out().data(), out.length);
        store(lse, a.lse(), lse.length);
    }

    @Override
    public void attentionBackward(Attention a, Attention.Operand dOut, Attention.Operand dq, Attention.Operand dk,
                                  Attention.Operand dv) {
        double[] gq = d(dq.data());
        double[] gk = dk.data() == dq.data() ? gq : d(dk.data());
        double[] gv = dv.data() == dq.data() ? gq : dv.data() == dk.data() ? gk : d(dv.data());
        Reference.attentionBackward(a, d(a.q().data()), d(a.k().data()), d(a.v().data()),
                a.mask() == null ? null : d(a.mask().data()), d(a.out().data()), d(a.lse()), dOut, d(dOut.data()),
                dq, gq, dk, gk, dv, gv);
        store(gq, dq.data(), gq.length);
        store(gk, dk.data(), gk.length);
        store(gv, dv.data(), gv.length);
    }

    private static double[] orNull(Storage s) {
        return s == null ? null : d(s);
    }

    private static void storeIfPresent(double[] values, Storage s) {
        if (values != null) {
            store(values, s, values.length);
        }
    }

    @Override
    public void oneHot(Storage labels, Storage out, int rows, int classes) {
        double[] result = new double[rows * classes];
        Reference.oneHot(i(labels), result, rows, classes);
        store(result, out, result.length);
    }

    @Override
    public void gatherRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
        double[] result = new double[count * rowLength];
        Reference.gatherRows(d(src), i(indices), result, count, rowLength);
        store(result, dst, result.length);
    }

    @Override
    public void scatterAddRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
        double[] result = d(dst);
        Reference.scatterAddRows(d(src), i(indices), result, count, rowLength);
        // Untouched elements round-trip through double exactly.
        store(result, dst, result.length);
    }

    @Override
    public void conv2dForward(ConvGeometry g, Storage x, Storage w, Storage bias, Storage y) {
        double[] out = new double[g.outputSize()];
        Reference.conv2dForward(g, d(x), d(w), bias == null ? null : d(bias), out);
        store(out, y, out.length);
    }

    @Override
    public void conv2dBackwardData(ConvGeometry g, Storage dy, Storage w, Storage dx) {
        double[] out = new double[g.inputSize()];
        Reference.conv2dBackwardData(g, d(dy), d(w), out);
        store(out, dx, out.length);
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage dy, Storage dw) {
        double[] out = new double[g.weightSize()];
        Reference.conv2dBackwardWeight(g, d(x), d(dy), out);
        store(out, dw, out.length);
    }

    @Override
    public void maxPool2dForward(PoolGeometry g, Storage x, Storage y, Storage indices) {
        double[] out = new double[g.outputSize()];
        Reference.maxPool2dForward(g, d(x), out, i(indices));
        store(out, y, out.length);
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Storage dy, Storage indices, Storage dx) {
        double[] out = new double[g.inputSize()];
        Reference.maxPool2dBackward(g, d(dy), i(indices), out);
        store(out, dx, out.length);
    }

    @Override
    public void avgPool2dForward(PoolGeometry g, Storage x, Storage y) {
        double[] out = new double[g.outputSize()];
        Reference.avgPool2dForward(g, d(x), out);
        store(out, y, out.length);
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Storage dy, Storage dx) {
        double[] out = new double[g.inputSize()];
        Reference.avgPool2dBackward(g, d(dy), out);
        store(out, dx, out.length);
    }

    @Override
    public void sgdUpdate(Storage param, Storage grad, Storage velocity, int n, SgdParams p) {
        double[] pd = d(param);
        double[] vd = velocity == null ? null : d(velocity);
        Reference.sgdUpdate(pd, d(grad), vd, n, p);
        store(pd, param, n);
        if (vd != null) {
            store(vd, velocity, n);
        }
    }

    @Override
    public void adamUpdate(Storage param, Storage grad, Storage m, Storage v, int n, AdamParams p) {
        double[] pd = d(param);
        double[] md = d(m);
        double[] vd = d(v);
        Reference.adamUpdate(pd, d(grad), md, vd, n, p);
        store(pd, param, n);
        store(md, m, n);
        store(vd, v, n);
    }

    @Override
    public void synchronize() {
        // Synchronous: every primitive has finished when it returns.
    }

    @Override
    public MemoryStats memoryStats() {
        return MemoryStats.unknown();
    }

    @Override
    public void close() {
        // Host arrays only; storages are freed by their holders.
    }
}

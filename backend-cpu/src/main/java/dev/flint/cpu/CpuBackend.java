package dev.flint.cpu;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Attention;
import dev.flint.backend.Backend;
import dev.flint.backend.BatchNormParams;
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
import dev.flint.cpu.gemm.Sgemm;
import dev.flint.cpu.kernel.Conv2d;
import dev.flint.cpu.kernel.Elementwise;
import dev.flint.cpu.kernel.FusedAttention;
import dev.flint.cpu.kernel.Indexing;
import dev.flint.cpu.kernel.Layout;
import dev.flint.cpu.kernel.Normalization;
import dev.flint.cpu.kernel.Optimizers;
import dev.flint.cpu.kernel.Pool2d;
import dev.flint.cpu.kernel.Reductions;
import dev.flint.cpu.kernel.Softmax;
import dev.flint.cpu.kernel.UnaryKernels;
import dev.flint.cpu.parallel.Parallel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reference backend: every primitive in plain Java on {@code float[]} and {@code int[]},
 * synchronous, multi-threaded through {@link Parallel}. Its results define correct for the others.
 *
 * <pre>{@code
 * Backend cpu = Backends.get("cpu");
 * Storage s = cpu.allocate(DType.FLOAT32, 6);
 * cpu.upload(new float[] {1, 2, 3, 4, 5, 6}, 0, s, 0, 6);
 * }</pre>
 *
 * <p>The kernels live in {@link dev.flint.cpu.kernel}; this class unwraps storage and dispatches.
 * Results do not depend on the thread count: work is split only over independent outputs, and where
 * partial sums are unavoidable (long row sums, weight gradients) they are formed in fixed groups.
 */
public final class CpuBackend implements Backend {
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final ArrayPool pool = new ArrayPool(ArrayPool.defaultBudget());

    /** Creates a backend; {@link CpuBackendProvider} and {@code Backends.get("cpu")} share one. */
    public CpuBackend() {
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String deviceDescription() {
        return "CPU (" + System.getProperty("os.arch") + "), " + CpuBackendProvider.describeThreads();
    }

    // ---------------------------------------------------------------- memory and transfer

    @Override
    public Storage allocate(DType dtype, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("allocate: size must be >= 0, got " + size);
        }
        CpuStorage s = dtype == DType.FLOAT32
                ? new CpuStorage(this, dtype, size, pool.floats(size), null)
                : new CpuStorage(this, dtype, size, null, pool.ints(size));
        long bytes = (long) size * dtype.byteSize();
        long now = inUse.addAndGet(bytes);
        peak.accumulateAndGet(now, Math::max);
        allocations.incrementAndGet();
        return s;
    }

    /** Fresh arrays allocated at sizes the pool keeps: flat after a loop's first step. */
    long pooledSizeMisses() {
        return pool.misses();
    }

    /** Called once by a storage when its last holder releases it; its array goes back to the pool. */
    void released(CpuStorage storage, float[] floats, int[] ints) {
        inUse.addAndGet(-(long) storage.size() * storage.dtype().byteSize());
        if (floats != null) {
            pool.recycle(floats);
        } else if (ints != null) {
            pool.recycle(ints);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Storage dst, int dstOffset, int length) {
        System.arraycopy(src, srcOffset, floats(dst), dstOffset, length);
    }

    @Override
    public void upload(int[] src, int srcOffset, Storage dst, int dstOffset, int length) {
        System.arraycopy(src, srcOffset, ints(dst), dstOffset, length);
    }

    @Override
    public void download(Storage src, int srcOffset, float[] dst, int dstOffset, int length) {
        System.arraycopy(floats(src), srcOffset, dst, dstOffset, length);
    }

    @Override
    public void download(Storage src, int srcOffset, int[] dst, int dstOffset, int length) {
        System.arraycopy(ints(src), srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Storage dst, int offset, int length, float value) {
        Layout.fill(cpu(dst, "fill").array(), offset, length, value);
    }

    @Override
    public void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                           int blocks, int blockLength) {
        Layout.copyBlocks(cpu(src, "copyBlocks").array(), srcOffset, srcStride, cpu(dst, "copyBlocks").array(),
                dstOffset, dstStride, blocks, blockLength);
    }

    @Override
    public void permute(Storage src, int[] srcDims, int[] perm, Storage dst) {
        Layout.permute(cpu(src, "permute").array(), srcDims, perm, cpu(dst, "permute").array());
    }

    @Override
    public void cast(Storage src, Storage dst, int n) {
        Layout.cast(cpu(src, "cast").array(), cpu(dst, "cast").array(), n);
    }

    // ---------------------------------------------------------------- linear algebra

    /** Below this many multiply-adds per matrix, a batch is split over threads by matrix. */
    private static final long SMALL_GEMM = 1L << 21;

    @Override
    public void gemm(Gemm g) {
        boolean transA = g.transA();
        boolean transB = g.transB();
        int batch = g.batch();
        int m = g.m();
        int n = g.n();
        int k = g.k();
        float alpha = g.alpha();
        float beta = g.beta();
        float[] fa = floats(g.a().data());
        float[] fb = floats(g.b().data());
        float[] fc = floats(g.c().data());
        int aOffset = g.a().offset();
        int bOffset = g.b().offset();
        int cOffset = g.c().offset();
        int strideA = g.a().batchStride();
        int strideB = g.b().batchStride();
        int strideC = g.c().batchStride();
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        // Split by matrix only when the outputs are disjoint (a C stride of 0 would make them race).
        if (batch > 1 && (long) m * n * k <= SMALL_GEMM && strideC >= m * n) {
            // Each matrix is one unit; the Sgemm inside runs on its thread alone.
            Parallel.forRange(0, batch, 1, (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    Sgemm.gemm(transA, transB, m, n, k, alpha, fa, aOffset + p * strideA, lda,
                            fb, bOffset + p * strideB, ldb, beta, fc, cOffset + p * strideC, n);
                }
            });
            return;
        }
        for (int p = 0; p < batch; p++) {
            Sgemm.gemm(transA, transB, m, n, k, alpha, fa, aOffset + p * strideA, lda,
                    fb, bOffset + p * strideB, ldb, beta, fc, cOffset + p * strideC, n);
        }
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(Unary f, Storage x, Storage y, int n) {
        UnaryKernels.forward(f, floats(x), floats(y), n);
    }

    @Override
    public void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n) {
        UnaryKernels.backward(f, x == null ? null : floats(x), y == null ? null : floats(y), floats(dy), floats(dx), n);
    }

    @Override
    public void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out,
                       int[] outDims) {
        Elementwise.binary(op, floats(a), aStrides, floats(b), bStrides, floats(out), outDims);
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void reduce(ReduceOp op, Storage x, int outer, int extent, int inner, Storage out) {
        Reductions.reduce(op, floats(x), outer, extent, inner, floats(out));
    }

    @Override
    public void argmax(Storage x, int outer, int extent, int inner, Storage out) {
        Reductions.argmax(floats(x), outer, extent, inner, ints(out));
    }

    // ---------------------------------------------------------------- softmax

    @Override
    public void softmaxForward(boolean log, Storage x, Storage y, int rows, int cols) {
        Softmax.forward(log, floats(x), floats(y), rows, cols);
    }

    @Override
    public void softmaxBackward(boolean log, Storage y, Storage dy, Storage dx, int rows, int cols) {
        Softmax.backward(log, floats(y), floats(dy), floats(dx), rows, cols);
    }

    @Override
    public void softmaxCrossEntropyForward(Storage logits, Storage labels, Storage probs, Storage losses,
                                           int rows, int classes) {
        Softmax.crossEntropyForward(floats(logits), ints(labels), floats(probs), floats(losses), rows, classes);
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage dLosses, Storage dLogits,
                                            int rows, int classes) {
        Softmax.crossEntropyBackward(floats(probs), ints(labels), floats(dLosses), floats(dLogits), rows, classes);
    }

    // ---------------------------------------------------------------- normalization

    @Override
    public void layerNormForward(Storage x, Storage weight, Storage bias, Storage y, Storage mean, Storage rstd,
                                 int rows, int cols, float eps) {
        Normalization.layerNormForward(floats(x), floatsOrNull(weight), floatsOrNull(bias), floats(y), floats(mean),
                floats(rstd), rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Storage x, Storage weight, Storage mean, Storage rstd, Storage dy, Storage dx,
                                  Storage dWeight, Storage dBias, int rows, int cols) {
        Normalization.layerNormBackward(floats(x), floatsOrNull(weight), floats(mean), floats(rstd), floats(dy),
                floatsOrNull(dx), floatsOrNull(dWeight), floatsOrNull(dBias), rows, cols);
    }

    @Override
    public void batchNormForward(BatchNormParams p, Storage x, Storage weight, Storage bias, Storage runningMean,
                                 Storage runningVar, Storage y, Storage saveMean, Storage saveInvStd) {
        Normalization.batchNormForward(p, floats(x), floatsOrNull(weight), floatsOrNull(bias),
                floatsOrNull(runningMean), floatsOrNull(runningVar), floats(y), floats(saveMean), floats(saveInvStd));
    }

    @Override
    public void batchNormBackward(BatchNormParams p, Storage x, Storage weight, Storage saveMean, Storage saveInvStd,
                                  Storage dy, Storage dx, Storage dWeight, Storage dBias) {
        Normalization.batchNormBackward(p, floats(x), floatsOrNull(weight), floats(saveMean), floats(saveInvStd),
                floats(dy), floatsOrNull(dx), floatsOrNull(dWeight), floatsOrNull(dBias));
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(Attention a) {
        FusedAttention.forward(a, floats(a.q().data()), floats(a.k().data()), floats(a.v().data()),
                a.mask() == null ? null : floats(a.mask().data()), floats(a.out().data()), floats(a.lse()));
    }

    @Override
    public void attentionBackward(Attention a, Attention.Operand dOut, Attention.Operand dq, Attention.Operand dk,
                                  Attention.Operand dv) {
        FusedAttention.backward(a, floats(a.q().data()), floats(a.k().data()), floats(a.v().data()),
                a.mask() == null ? null : floats(a.mask().data()), floats(a.out().data()), floats(a.lse()), dOut,
                floats(dOut.data()), dq, floats(dq.data()), dk, floats(dk.data()), dv, floats(dv.data()));
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void oneHot(Storage labels, Storage out, int rows, int classes) {
        Indexing.oneHot(ints(labels), floats(out), rows, classes);
    }

    @Override
    public void gatherRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
        Indexing.gatherRows(floats(src), ints(indices), floats(dst), count, rowLength);
    }

    @Override
    public void scatterAddRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
        Indexing.scatterAddRows(floats(src), ints(indices), floats(dst), count, rowLength);
    }

    // ---------------------------------------------------------------- convolution and pooling

    @Override
    public void conv2dForward(ConvGeometry g, Storage x, Storage w, Storage bias, Storage y) {
        Conv2d.forward(g, floats(x), floats(w), bias == null ? null : floats(bias), floats(y));
    }

    @Override
    public void conv2dBackwardData(ConvGeometry g, Storage dy, Storage w, Storage dx) {
        Conv2d.backwardData(g, floats(dy), floats(w), floats(dx));
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage dy, Storage dw) {
        Conv2d.backwardWeight(g, floats(x), floats(dy), floats(dw));
    }

    @Override
    public void maxPool2dForward(PoolGeometry g, Storage x, Storage y, Storage indices) {
        Pool2d.maxForward(g, floats(x), floats(y), ints(indices));
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Storage dy, Storage indices, Storage dx) {
        Pool2d.maxBackward(g, floats(dy), ints(indices), floats(dx));
    }

    @Override
    public void avgPool2dForward(PoolGeometry g, Storage x, Storage y) {
        Pool2d.avgForward(g, floats(x), floats(y));
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Storage dy, Storage dx) {
        Pool2d.avgBackward(g, floats(dy), floats(dx));
    }

    // ---------------------------------------------------------------- fused optimizer updates

    @Override
    public void sgdUpdate(Storage param, Storage grad, Storage velocity, int n, SgdParams p) {
        Optimizers.sgd(floats(param), floats(grad), velocity == null ? null : floats(velocity), n, p);
    }

    @Override
    public void adamUpdate(Storage param, Storage grad, Storage m, Storage v, int n, AdamParams p) {
        Optimizers.adam(floats(param), floats(grad), floats(m), floats(v), n, p);
    }

    // ---------------------------------------------------------------- lifecycle

    /** Every primitive has finished when it returns; nothing is queued. */
    @Override
    public void synchronize() {
    }

    @Override
    public MemoryStats memoryStats() {
        return new MemoryStats(inUse.get(), pool.pooledBytes(), peak.get(), allocations.get() - pool.hits(),
                pool.hits());
    }

    /** Drops the pooled arrays; live storage stays usable (it is garbage-collected Java arrays). */
    @Override
    public void close() {
        pool.clear();
    }

    @Override
    public String toString() {
        return "CpuBackend[" + deviceDescription() + "]";
    }

    // ---------------------------------------------------------------- storage access

    private static CpuStorage cpu(Storage s, String op) {
        if (s instanceof CpuStorage cs) {
            return cs;
        }
        throw new IllegalArgumentException(op + ": expected storage of backend 'cpu', got "
                + (s == null ? "null" : "storage of backend '" + s.backend().name() + "'"));
    }

    private static float[] floats(Storage s) {
        return cpu(s, "cpu").floats();
    }

    private static float[] floatsOrNull(Storage s) {
        return s == null ? null : floats(s);
    }

    private static int[] ints(Storage s) {
        return cpu(s, "cpu").ints();
    }
}

package dev.flint.cuda;

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
import dev.flint.backend.UnaryOp;
import dev.flint.cuda.driver.Blas;
import dev.flint.cuda.driver.CudaContext;
import dev.flint.cuda.driver.CudaEvent;
import dev.flint.cuda.driver.CudaException;
import dev.flint.cuda.driver.CudaFunction;
import dev.flint.cuda.driver.DeviceBuffer;
import dev.flint.cuda.driver.DeviceInfo;
import dev.flint.cuda.driver.KernelArgs;
import dev.flint.cuda.kernel.Kernels;
import dev.flint.cuda.kernel.OpCodes;
import dev.flint.cuda.loader.CublasLibrary;
import dev.flint.cuda.memory.CachingAllocator;
import dev.flint.cuda.memory.DeviceMemory;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SPI on an NVIDIA GPU: one context and one stream per instance, our kernels for everything but
 * GEMM, cuBLAS (on the same stream) for GEMM and convolution, and a caching allocator for memory.
 * Primitives are queued asynchronously; {@link #download} and {@link #synchronize} wait.
 *
 * <pre>{@code
 * Backend cuda = Backends.get("cuda");            // or Backends.auto() to fall back to the CPU
 * Storage x = cuda.allocate(DType.FLOAT32, 4);
 * cuda.upload(new float[] {1, -2, 3, -4}, 0, x, 0, 4);
 * cuda.unary(Unary.of(UnaryOp.RELU), x, x, 4);
 * }</pre>
 *
 * <p>Properties (read at creation): {@code flint.cuda.sync=true} synchronizes after every primitive
 * and reports an asynchronous failure with the primitive's name; {@code flint.cuda.tf32=true} allows
 * TF32 in cuBLAS ({@code NVIDIA_TF32_OVERRIDE} in the environment overrides it, and is reported);
 * {@code flint.cuda.stagingBytes} sizes each half of the pinned buffer host transfers go through.
 */
public final class CudaBackend implements Backend {
    /** Threads per block of the 1-D kernels: every kernel fits (at most 64 registers, see kernel-resources.txt). */
    static final int THREADS = 256;
    /** Rows per block of the warp-per-row kernels (256 threads = 8 warps). */
    static final int ROWS_PER_WARP_BLOCK = THREADS / 32;
    /** Longest row the warp-per-row softmax handles; longer rows get a block each. */
    static final int WARP_ROW_LIMIT = 1024;
    /** Column buffers for one convolution chunk stay under this many floats (256 MiB). */
    static final long COLUMN_BUDGET = 64L << 20;
    /** Maximum rank the strided kernels take in one launch (FLINT_MAX_RANK in common.cuh). */
    static final int MAX_RANK = 8;

    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    private final DeviceInfo device;
    private final CublasLibrary.Loaded cublas;
    private final boolean sync;
    private final Tf32Mode tf32;
    private final CudaContext ctx;
    private final Kernels k;
    private final Blas blas;
    private final CachingAllocator<DeviceBuffer> pool;
    private final long maxBlocks;
    private volatile boolean closed;

    CudaBackend(DeviceInfo device, CublasLibrary.Loaded cublas) {
        this.device = device;
        this.cublas = cublas;
        this.sync = Boolean.getBoolean("flint.cuda.sync");
        this.tf32 = Tf32Mode.current();
        this.ctx = new CudaContext(device.index(), Long.getLong("flint.cuda.stagingBytes",
                CudaContext.DEFAULT_STAGING_BYTES));
        Kernels kernels = null;
        Blas handle = null;
        try {
            kernels = Kernels.load(ctx, device);
            // The math mode we ask for; NVIDIA_TF32_OVERRIDE, read by cuBLAS itself, may override it.
            handle = new Blas(ctx, tf32.requested());
        } catch (RuntimeException e) {
            if (kernels != null) {
                kernels.close();
            }
            ctx.close();
            throw e;
        }
        this.k = kernels;
        this.blas = handle;
        this.pool = new CachingAllocator<>(new ContextMemory(ctx));
        // Grid-stride kernels: 16 blocks of 256 threads per SM is two full waves at 2048 threads per SM.
        this.maxBlocks = Math.max(1, device.multiprocessors()) * 16L;
        if (tf32.overridden() && tf32.effective() != tf32.requested()) {
            LOG.warn("cuda: {}", tf32.note());
        } else if (tf32.overridden()) {
            LOG.info("cuda: {}", tf32.note());
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceDescription() {
        return device + ", kernels " + k.images().get(0).replaceFirst("^[a-z]+\\.", "") + ", " + cublas.cublas()
                + ", " + tf32.describe() + (sync ? ", synchronous (flint.cuda.sync)" : "");
    }

    /** Whether cuBLAS may use TF32 for FP32 GEMM here (flint.cuda.tf32, or NVIDIA_TF32_OVERRIDE over it). */
    public boolean tf32() {
        return tf32.effective();
    }

    /** What decides the GEMM math here, for test and benchmark reports ("GEMM FP32", or the override's effect). */
    public String mathDescription() {
        return tf32.describe();
    }

    /** Bytes of page-locked host memory held for transfers (0 before the first one and after close). */
    long pinnedBytes() {
        return ctx.pinnedBytes();
    }

    /** Operations queued on the stream so far (kernel launches, cuBLAS calls, copies, fills), for launch counts. */
    public long operationsQueued() {
        return ctx.operationsQueued();
    }

    /** The device this backend runs on. */
    public DeviceInfo device() {
        return device;
    }

    // ---------------------------------------------------------------- memory and transfer

    @Override
    public Storage allocate(DType dtype, int size) {
        open();
        return new CudaStorage(this, dtype, size, pool.allocate((long) dtype.byteSize() * size));
    }

    void releaseBlock(DeviceBuffer block) {
        pool.release(block);
    }

    @Override
    public void upload(float[] src, int srcOffset, Storage dst, int dstOffset, int length) {
        if (length == 0) {
            return;
        }
        ctx.upload(src, srcOffset, buf(dst), 4L * dstOffset, length);
        after("upload");
    }

    @Override
    public void upload(int[] src, int srcOffset, Storage dst, int dstOffset, int length) {
        if (length == 0) {
            return;
        }
        ctx.upload(src, srcOffset, buf(dst), 4L * dstOffset, length);
        after("upload");
    }

    @Override
    public void download(Storage src, int srcOffset, float[] dst, int dstOffset, int length) {
        if (length == 0) {
            synchronize();
            return;
        }
        ctx.download(buf(src), 4L * srcOffset, dst, dstOffset, length);
    }

    @Override
    public void download(Storage src, int srcOffset, int[] dst, int dstOffset, int length) {
        if (length == 0) {
            synchronize();
            return;
        }
        ctx.download(buf(src), 4L * srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Storage dst, int offset, int length, float value) {
        if (length == 0) {
            return;
        }
        int bits = dst.dtype() == DType.INT32 ? (int) value : Float.floatToRawIntBits(value);
        ctx.fill32(buf(dst), 4L * offset, bits, length);
        after("fill");
    }

    @Override
    public void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                           int blocks, int blockLength) {
        if (blocks == 0 || blockLength == 0) {
            return;
        }
        DeviceBuffer s = buf(src);
        DeviceBuffer d = buf(dst);
        if (blocks == 1 || (srcStride == blockLength && dstStride == blockLength)) {
            ctx.copy(s, 4L * srcOffset, d, 4L * dstOffset, 4L * blocks * blockLength);
        } else if (blockLength >= 128 && srcStride >= blockLength && dstStride >= blockLength) {
            // Long rows: the copy engine's pitched copy. Short rows are faster through a kernel.
            ctx.copy2D(s, 4L * srcOffset, 4L * srcStride, d, 4L * dstOffset, 4L * dstStride, 4L * blockLength, blocks);
        } else {
            launch(k.copyBlocks, (long) blocks * blockLength, new KernelArgs().ptr(s, 4L * srcOffset).i(srcStride)
                    .ptr(d, 4L * dstOffset).i(dstStride).i(blocks).i(blockLength));
        }
        after("copyBlocks");
    }

    @Override
    public void permute(Storage src, int[] srcDims, int[] perm, Storage dst) {
        Layouts.Strided p = Layouts.permutation(srcDims, perm);
        long n = p.size();
        if (n == 0) {
            return;
        }
        DeviceBuffer s = buf(src);
        DeviceBuffer d = buf(dst);
        if (p.contiguous(0)) {
            ctx.copy(s, 0, d, 0, 4L * n);
        } else {
            permuteLaunch(s, 0, d, 0, p.dims(), p.strides()[0]);
        }
        after("permute");
    }

    /** One launch of permute_x32 per index of the axes beyond the kernel's maximum rank. */
    private void permuteLaunch(DeviceBuffer s, long srcOff, DeviceBuffer d, long dstOff, int[] dims, long[] strides) {
        int r = dims.length;
        if (r > MAX_RANK) {
            long inner = Layouts.product(Arrays.copyOfRange(dims, 1, r));
            for (int i = 0; i < dims[0]; i++) {
                permuteLaunch(s, srcOff + i * strides[0], d, dstOff + i * inner, Arrays.copyOfRange(dims, 1, r),
                        Arrays.copyOfRange(strides, 1, r));
            }
            return;
        }
        int[] struct = new int[1 + 2 * MAX_RANK];
        struct[0] = r;
        for (int i = 0; i < r; i++) {
            struct[1 + i] = dims[i];
            struct[1 + MAX_RANK + i] = Math.toIntExact(strides[i]);
        }
        long n = Layouts.product(dims);
        launch(k.permute, n, new KernelArgs().ptr(s, 4 * srcOff).ptr(d, 4 * dstOff).i(Math.toIntExact(n)).struct(struct));
    }

    @Override
    public void cast(Storage src, Storage dst, int n) {
        if (n == 0) {
            return;
        }
        if (src.dtype() == dst.dtype()) {
            ctx.copy(buf(src), 0, buf(dst), 0, 4L * n);
        } else {
            CudaFunction f = src.dtype() == DType.FLOAT32 ? k.castF32ToI32 : k.castI32ToF32;
            launch(f, n, new KernelArgs().ptr(buf(src), 0).ptr(buf(dst), 0).i(n));
        }
        after("cast");
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void gemm(Gemm g) {
        gemmRowMajor(g.transA(), g.transB(), g.batch(), g.m(), g.n(), g.k(), g.alpha(), buf(g.a().data()),
                g.a().offset(), g.a().batchStride(), buf(g.b().data()), g.b().offset(), g.b().batchStride(), g.beta(),
                buf(g.c().data()), g.c().offset(), g.c().batchStride());
        after("gemm");
    }

    /**
     * Row-major batched GEMM through column-major cuBLAS: a row-major matrix is its transpose in
     * column-major terms, so {@code C = op(A) op(B)} is computed as {@code C^T = op(B)^T op(A)^T}, that
     * is cuBLAS with A and B swapped, m and n swapped, and the same transpose flags.
     */
    private void gemmRowMajor(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
                              DeviceBuffer a, long aOffset, long strideA, DeviceBuffer b, long bOffset, long strideB,
                              float beta, DeviceBuffer c, long cOffset, long strideC) {
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            // Nothing to multiply: C = beta * C (beta == 0 overwrites, so old NaNs do not survive).
            for (int p = 0; p < batch; p++) {
                long off = cOffset + p * strideC;
                if (beta == 0f) {
                    ctx.fill32(c, 4 * off, 0, (long) m * n);
                } else if (beta != 1f) {
                    launch(this.k.unary, (long) m * n, new KernelArgs().ptr(c, 4 * off).ptr(c, 4 * off).i(m * n)
                            .i(OpCodes.of(UnaryOp.AFFINE)).f(beta).f(0f));
                }
            }
            return;
        }
        ColumnMajor cm = ColumnMajor.of(transA, transB, m, n, k);
        if (batch == 1) {
            cublas(() -> blas.sgemm(cm.transFirst(), cm.transSecond(), cm.m(), cm.n(), cm.k(), alpha, b, bOffset,
                    cm.ldFirst(), a, aOffset, cm.ldSecond(), beta, c, cOffset, cm.ldc()));
        } else if (strideC == 0) {
            // Every product lands on one C: cuBLAS's batches would race, so queue them one after another.
            for (int p = 0; p < batch; p++) {
                long bp = bOffset + p * strideB;
                long ap = aOffset + p * strideA;
                float betaP = p == 0 ? beta : 1f;
                cublas(() -> blas.sgemm(cm.transFirst(), cm.transSecond(), cm.m(), cm.n(), cm.k(), alpha, b, bp,
                        cm.ldFirst(), a, ap, cm.ldSecond(), betaP, c, cOffset, cm.ldc()));
            }
        } else {
            cublas(() -> blas.sgemmStridedBatched(cm.transFirst(), cm.transSecond(), cm.m(), cm.n(), cm.k(), alpha, b,
                    bOffset, cm.ldFirst(), strideB, a, aOffset, cm.ldSecond(), strideA, beta, c, cOffset, cm.ldc(),
                    strideC, batch));
        }
    }

    /**
     * A cuBLAS call that may allocate device memory of its own (its workspace, on the first GEMM of a
     * handle or a larger one later): when cuBLAS reports CUBLAS_STATUS_ALLOC_FAILED, the pool's cached
     * blocks are returned to the device and the call is made once more, as for our own allocations; a
     * second failure reports the pool like an allocation would. Nothing was queued by the failed call.
     */
    private void cublas(Runnable call) {
        pool.retryAfterEmptyingCache(() -> {
            try {
                call.run();
            } catch (CudaException e) {
                if (e.isOutOfMemory()) {
                    throw new DeviceMemory.OutOfDeviceMemoryException(e.getMessage(), e);
                }
                throw e;
            }
        });
    }

    /**
     * The column-major cuBLAS call computing row-major {@code C (m x n) = op(A) op(B)}: a row-major matrix
     * read column-major is its transpose, so cuBLAS computes {@code C^T (n x m) = op(B)^T op(A)^T} with B as
     * its first operand and A as its second, each keeping its transpose flag, and every leading dimension
     * the row length of the matrix as stored. Tested against a column-major GEMM in Java (no GPU).
     */
    record ColumnMajor(boolean transFirst, boolean transSecond, int m, int n, int k, int ldFirst, int ldSecond,
                       int ldc) {
        static ColumnMajor of(boolean transA, boolean transB, int m, int n, int k) {
            int lda = transA ? m : k;   // row length of A as stored (k x m when transposed)
            int ldb = transB ? k : n;
            return new ColumnMajor(transB, transA, n, m, k, ldb, lda, n);
        }
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(Unary f, Storage x, Storage y, int n) {
        launch(k.unary, n, new KernelArgs().ptr(buf(x), 0).ptr(buf(y), 0).i(n).i(OpCodes.of(f.op())).f(f.a())
                .f(f.b()));
        after("unary " + f);
    }

    /** The unary kernel with a raw op code: for the test that an unknown code traps. */
    void unaryWithCode(int code, Storage x, Storage y, int n) {
        launch(k.unary, n, new KernelArgs().ptr(buf(x), 0).ptr(buf(y), 0).i(n).i(code).f(0f).f(0f));
    }

    @Override
    public void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n) {
        KernelArgs args = new KernelArgs();
        if (x == null) {
            args.nullPtr();
        } else {
            args.ptr(buf(x), 0);
        }
        if (y == null) {
            args.nullPtr();
        } else {
            args.ptr(buf(y), 0);
        }
        launch(k.unaryBackward, n, args.ptr(buf(dy), 0).ptr(buf(dx), 0).i(n).i(OpCodes.of(f.op())).f(f.a()).f(f.b()));
        after("unaryBackward " + f);
    }

    @Override
    public void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out,
                       int[] outDims) {
        long n = Layouts.product(outDims);
        if (n == 0) {
            return;
        }
        int code = OpCodes.of(op);
        DeviceBuffer da = buf(a);
        DeviceBuffer db = buf(b);
        DeviceBuffer dout = buf(out);
        Layouts.Strided l = Layouts.coalesce(outDims, Layouts.toLong(aStrides), Layouts.toLong(bStrides));
        int count = Math.toIntExact(n);
        if (l.contiguous(0) && l.contiguous(1)) {
            launch(k.binaryContiguous, n, new KernelArgs().ptr(da, 0).ptr(db, 0).ptr(dout, 0).i(count).i(code));
        } else if (l.contiguous(0) && l.scalar(1)) {
            launch(k.binaryScalar, n, new KernelArgs().ptr(da, 0).ptr(db, 0).ptr(dout, 0).i(count).i(code).i(1));
        } else if (l.scalar(0) && l.contiguous(1)) {
            launch(k.binaryScalar, n, new KernelArgs().ptr(da, 0).ptr(db, 0).ptr(dout, 0).i(count).i(code).i(0));
        } else {
            binaryStrided(code, da, 0, db, 0, dout, 0, l.dims(), l.strides()[0], l.strides()[1]);
        }
        after("binary " + op);
    }

    /** One launch of binary_strided_f32 per index of the axes beyond the kernel's maximum rank. */
    private void binaryStrided(int code, DeviceBuffer a, long aOff, DeviceBuffer b, long bOff, DeviceBuffer out,
                               long outOff, int[] dims, long[] as, long[] bs) {
        int r = dims.length;
        if (r > MAX_RANK) {
            long inner = Layouts.product(Arrays.copyOfRange(dims, 1, r));
            for (int i = 0; i < dims[0]; i++) {
                binaryStrided(code, a, aOff + i * as[0], b, bOff + i * bs[0], out, outOff + i * inner,
                        Arrays.copyOfRange(dims, 1, r), Arrays.copyOfRange(as, 1, r), Arrays.copyOfRange(bs, 1, r));
            }
            return;
        }
        int[] struct = new int[1 + 3 * MAX_RANK];
        struct[0] = r;
        for (int i = 0; i < r; i++) {
            struct[1 + i] = dims[i];
            struct[1 + MAX_RANK + i] = Math.toIntExact(as[i]);
            struct[1 + 2 * MAX_RANK + i] = Math.toIntExact(bs[i]);
        }
        long n = Layouts.product(dims);
        launch(k.binaryStrided, n, new KernelArgs().ptr(a, 4 * aOff).ptr(b, 4 * bOff).ptr(out, 4 * outOff)
                .i(Math.toIntExact(n)).i(code).struct(struct));
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void reduce(ReduceOp op, Storage x, int outer, int extent, int inner, Storage out) {
        long outputs = (long) outer * inner;
        if (outputs == 0) {
            return;
        }
        int code = OpCodes.of(op);
        DeviceBuffer dx = buf(x);
        DeviceBuffer dout = buf(out);
        if (inner == 1 && extent >= 64) {
            int segments = 1;
            if (outer < 2L * device.multiprocessors() && extent >= 32768) {
                // Few long rows: split each across blocks, then reduce the per-segment results.
                segments = (int) Math.min((extent + 4095) / 4096, Math.max(1, 4L * device.multiprocessors() / outer));
            }
            if (segments > 1) {
                DeviceBuffer partial = pool.allocate(4L * outer * segments);
                try {
                    reduceRows(dx, partial, outer, extent, segments, code);
                    reduceRows(partial, dout, outer, segments, 1, code);
                } finally {
                    pool.release(partial);
                }
            } else {
                reduceRows(dx, dout, outer, extent, 1, code);
            }
        } else {
            // inner > 1: neighbouring threads read neighbouring columns. Short rows (inner == 1, extent < 64)
            // also take a thread each: a block per row would leave most of its threads idle.
            launch(k.reduceCols, outputs, new KernelArgs().ptr(dx, 0).ptr(dout, 0).i(outer).i(extent).i(inner).i(code));
        }
        after("reduce " + op);
    }

    private void reduceRows(DeviceBuffer x, DeviceBuffer out, int rows, int extent, int segments, int code) {
        int piece = (extent + segments - 1) / segments;
        int threads = piece >= THREADS ? THREADS : Math.max(32, (piece + 31) / 32 * 32);
        k.reduceRows.launch((long) rows * segments, threads, 0,
                new KernelArgs().ptr(x, 0).ptr(out, 0).i(rows).i(extent).i(segments).i(code));
    }

    @Override
    public void argmax(Storage x, int outer, int extent, int inner, Storage out) {
        long outputs = (long) outer * inner;
        if (outputs == 0) {
            return;
        }
        if (inner == 1) {
            k.argmaxRows.launch((outer + ROWS_PER_WARP_BLOCK - 1) / ROWS_PER_WARP_BLOCK, THREADS, 0,
                    new KernelArgs().ptr(buf(x), 0).ptr(buf(out), 0).i(outer).i(extent));
        } else {
            launch(k.argmaxCols, outputs, new KernelArgs().ptr(buf(x), 0).ptr(buf(out), 0).i(outer).i(extent).i(inner));
        }
        after("argmax");
    }

    // ---------------------------------------------------------------- softmax

    @Override
    public void softmaxForward(boolean log, Storage x, Storage y, int rows, int cols) {
        if (rows == 0 || cols == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().ptr(buf(x), 0).ptr(buf(y), 0).i(rows).i(cols).i(log ? 1 : 0);
        rowLaunch(k.softmaxForwardWarp, k.softmaxForwardBlock, rows, cols, args);
        after(log ? "logSoftmaxForward" : "softmaxForward");
    }

    @Override
    public void softmaxBackward(boolean log, Storage y, Storage dy, Storage dx, int rows, int cols) {
        if (rows == 0 || cols == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().ptr(buf(y), 0).ptr(buf(dy), 0).ptr(buf(dx), 0).i(rows).i(cols)
                .i(log ? 1 : 0);
        rowLaunch(k.softmaxBackwardWarp, k.softmaxBackwardBlock, rows, cols, args);
        after(log ? "logSoftmaxBackward" : "softmaxBackward");
    }

    @Override
    public void softmaxCrossEntropyForward(Storage logits, Storage labels, Storage probs, Storage losses, int rows,
                                           int classes) {
        if (rows == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().ptr(buf(logits), 0).ptr(buf(labels), 0).ptr(buf(probs), 0)
                .ptr(buf(losses), 0).i(rows).i(classes);
        rowLaunch(k.xentForwardWarp, k.xentForwardBlock, rows, classes, args);
        after("softmaxCrossEntropyForward");
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage dLosses, Storage dLogits, int rows,
                                            int classes) {
        launch(k.xentBackward, (long) rows * classes, new KernelArgs().ptr(buf(probs), 0).ptr(buf(labels), 0)
                .ptr(buf(dLosses), 0).ptr(buf(dLogits), 0).i(rows).i(classes));
        after("softmaxCrossEntropyBackward");
    }

    /** A warp per row for short rows (8 rows per block), else a block per row (wider for very long rows). */
    private void rowLaunch(CudaFunction warp, CudaFunction block, int rows, int cols, KernelArgs args) {
        if (cols <= WARP_ROW_LIMIT) {
            warp.launch((rows + ROWS_PER_WARP_BLOCK - 1) / ROWS_PER_WARP_BLOCK, THREADS, 0, args);
        } else {
            block.launch(rows, cols >= 8192 ? 2 * THREADS : THREADS, 0, args);
        }
    }

    // ---------------------------------------------------------------- normalization

    /** Rows per chunk of the layer-norm parameter-gradient partial sums (LN_CHUNK_ROWS in normalization.cu). */
    static final int LN_CHUNK_ROWS = 64;
    /** Columns per block of those partial sums (LN_COLS_PER_BLOCK). */
    static final int LN_COLS_PER_BLOCK = 32;

    @Override
    public void layerNormForward(Storage x, Storage weight, Storage bias, Storage y, Storage mean, Storage rstd,
                                 int rows, int cols, float eps) {
        if (rows == 0 || cols == 0) {
            return;
        }
        k.layerNormForward.launch(rowBlocks(rows), rowThreads(rows), 0,
                ptrOrNull(ptrOrNull(new KernelArgs().ptr(buf(x), 0), weight), bias).ptr(buf(y), 0).ptr(buf(mean), 0)
                        .ptr(buf(rstd), 0).i(rows).i(cols).f(eps));
        after("layerNormForward");
    }

    @Override
    public void layerNormBackward(Storage x, Storage weight, Storage mean, Storage rstd, Storage dy, Storage dx,
                                  Storage dWeight, Storage dBias, int rows, int cols) {
        if (cols == 0) {
            return;
        }
        if (dx != null && rows > 0) {
            k.layerNormBackwardDx.launch(rowBlocks(rows), rowThreads(rows), 0,
                    ptrOrNull(new KernelArgs().ptr(buf(x), 0), weight).ptr(buf(mean), 0).ptr(buf(rstd), 0)
                            .ptr(buf(dy), 0).ptr(buf(dx), 0).i(rows).i(cols));
        }
        if (dWeight != null || dBias != null) {
            // Fixed chunks of rows summed per column, then the chunks in order: no atomics, no dependence on
            // the scheduling.
            int chunks = Math.max(1, (rows + LN_CHUNK_ROWS - 1) / LN_CHUNK_ROWS);
            DeviceBuffer partial = pool.allocate(4L * chunks * 2 * cols);
            try {
                if (rows == 0) {
                    ctx.fill32(partial, 0, 0, 2L * cols);
                } else {
                    long tiles = (cols + LN_COLS_PER_BLOCK - 1) / LN_COLS_PER_BLOCK;
                    k.layerNormBackwardPartial.launch(tiles * chunks, THREADS, 0, new KernelArgs().ptr(buf(x), 0)
                            .ptr(buf(mean), 0).ptr(buf(rstd), 0).ptr(buf(dy), 0).ptr(partial, 0).i(rows).i(cols));
                }
                launch(k.layerNormBackwardFinish, cols, ptrOrNull(ptrOrNull(new KernelArgs().ptr(partial, 0), dWeight),
                        dBias).i(chunks).i(cols));
            } finally {
                pool.release(partial);
            }
        }
        after("layerNormBackward");
    }

    @Override
    public void batchNormForward(BatchNormParams p, Storage x, Storage weight, Storage bias, Storage runningMean,
                                 Storage runningVar, Storage y, Storage saveMean, Storage saveInvStd) {
        KernelArgs args = ptrOrNull(ptrOrNull(ptrOrNull(ptrOrNull(new KernelArgs().ptr(buf(x), 0), weight), bias),
                runningMean), runningVar).ptr(buf(y), 0).ptr(buf(saveMean), 0).ptr(buf(saveInvStd), 0).i(p.batch())
                .i(p.channels()).i(p.inner()).i(p.training() ? 1 : 0).f(p.momentum()).f(p.eps());
        k.batchNormForward.launch(p.channels(), channelThreads(p), 0, args);
        after("batchNormForward");
    }

    @Override
    public void batchNormBackward(BatchNormParams p, Storage x, Storage weight, Storage saveMean, Storage saveInvStd,
                                  Storage dy, Storage dx, Storage dWeight, Storage dBias) {
        KernelArgs args = ptrOrNull(new KernelArgs().ptr(buf(x), 0), weight).ptr(buf(saveMean), 0)
                .ptr(buf(saveInvStd), 0).ptr(buf(dy), 0);
        args = ptrOrNull(ptrOrNull(ptrOrNull(args, dx), dWeight), dBias).i(p.batch()).i(p.channels()).i(p.inner())
                .i(p.training() ? 1 : 0);
        k.batchNormBackward.launch(p.channels(), channelThreads(p), 0, args);
        after("batchNormBackward");
    }

    /** Threads of a warp-per-row block: 8 warps, or one per row when there are fewer rows. */
    private static int rowThreads(int rows) {
        return 32 * Math.min(ROWS_PER_WARP_BLOCK, Math.max(1, rows));
    }

    private static long rowBlocks(int rows) {
        int perBlock = rowThreads(rows) / 32;
        return (rows + perBlock - 1) / perBlock;
    }

    /** Threads of a block that reduces one channel: fewer for small channels, up to 1024 for large ones. */
    private static int channelThreads(BatchNormParams p) {
        long count = p.count();
        return count <= 64 ? 64 : count <= 4096 ? THREADS : 1024;
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(Attention a) {
        long matrices = (long) a.batch() * a.heads();
        if (matrices == 0 || a.queries() == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().ptr(buf(a.q().data()), 0).ptr(buf(a.k().data()), 0)
                .ptr(buf(a.v().data()), 0);
        args = (a.mask() == null ? args.nullPtr() : args.ptr(buf(a.mask().data()), 0)).ptr(buf(a.out().data()), 0)
                .ptr(buf(a.lse()), 0).struct(attentionParams(a));
        k.attentionForward.launch(rowBlocks(a.queries()) * matrices, rowThreads(a.queries()), 0, args);
        after("attentionForward");
    }

    @Override
    public void attentionBackward(Attention a, Attention.Operand dOut, Attention.Operand dq, Attention.Operand dk,
                                  Attention.Operand dv) {
        long matrices = (long) a.batch() * a.heads();
        if (matrices == 0) {
            return;
        }
        int[] params = attentionParams(a);
        int[] grads = new int[16];
        int at = 0;
        for (Attention.Operand o : new Attention.Operand[] {dOut, dq, dk, dv}) {
            at = operand(grads, at, o);
        }
        // rowsum(dOut * out) per query row, written by the first kernel, read by the second
        DeviceBuffer rowDot = pool.allocate(4L * Math.max(1, matrices * a.queries()));
        try {
            if (a.queries() > 0) {
                KernelArgs first = new KernelArgs().ptr(buf(a.q().data()), 0).ptr(buf(a.k().data()), 0)
                        .ptr(buf(a.v().data()), 0);
                first = (a.mask() == null ? first.nullPtr() : first.ptr(buf(a.mask().data()), 0))
                        .ptr(buf(a.out().data()), 0).ptr(buf(a.lse()), 0).ptr(buf(dOut.data()), 0)
                        .ptr(buf(dq.data()), 0).ptr(rowDot, 0).struct(params).struct(grads);
                k.attentionBackwardDq.launch(rowBlocks(a.queries()) * matrices, rowThreads(a.queries()), 0, first);
            }
            KernelArgs second = new KernelArgs().ptr(buf(a.q().data()), 0).ptr(buf(a.k().data()), 0)
                    .ptr(buf(a.v().data()), 0);
            second = (a.mask() == null ? second.nullPtr() : second.ptr(buf(a.mask().data()), 0)).ptr(buf(a.lse()), 0)
                    .ptr(rowDot, 0).ptr(buf(dOut.data()), 0).ptr(buf(dk.data()), 0).ptr(buf(dv.data()), 0)
                    .struct(params).struct(grads);
            k.attentionBackwardDkv.launch(rowBlocks(a.keys()) * matrices, rowThreads(a.keys()), 0, second);
        } finally {
            pool.release(rowDot);
        }
        after("attentionBackward");
    }

    /** AttentionParams of attention.cu: sizes, the scale's bits, flags, then five operands of four ints. */
    private static int[] attentionParams(Attention a) {
        int[] s = new int[9 + 5 * 4];
        s[0] = a.batch();
        s[1] = a.heads();
        s[2] = a.queries();
        s[3] = a.keys();
        s[4] = a.headDim();
        s[5] = a.valueDim();
        s[6] = Float.floatToRawIntBits(a.scale());
        s[7] = a.causal() ? 1 : 0;
        s[8] = a.mask() == null ? 0 : 1;
        int at = 9;
        at = operand(s, at, a.q());
        at = operand(s, at, a.k());
        at = operand(s, at, a.v());
        at = a.mask() == null ? at + 4 : operand(s, at, a.mask());
        operand(s, at, a.out());
        return s;
    }

    private static int operand(int[] s, int at, Attention.Operand o) {
        s[at] = o.offset();
        s[at + 1] = o.batchStride();
        s[at + 2] = o.headStride();
        s[at + 3] = o.rowStride();
        return at + 4;
    }

    /** Appends the storage's pointer, or a null pointer for an optional argument that is absent. */
    private KernelArgs ptrOrNull(KernelArgs args, Storage s) {
        return s == null ? args.nullPtr() : args.ptr(buf(s), 0);
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void oneHot(Storage labels, Storage out, int rows, int classes) {
        launch(k.oneHot, (long) rows * classes, new KernelArgs().ptr(buf(labels), 0).ptr(buf(out), 0).i(rows)
                .i(classes));
        after("oneHot");
    }

    @Override
    public void gatherRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
        launch(k.gatherRows, (long) count * rowLength, new KernelArgs().ptr(buf(src), 0).ptr(buf(indices), 0)
                .ptr(buf(dst), 0).i(count).i(rowLength));
        after("gatherRows");
    }

    @Override
    public void scatterAddRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
        launch(k.scatterAddRows, (long) count * rowLength, new KernelArgs().ptr(buf(src), 0).ptr(buf(indices), 0)
                .ptr(buf(dst), 0).i(count).i(rowLength));
        after("scatterAddRows");
    }

    // ---------------------------------------------------------------- convolution and pooling

    /** ConvParams of common.cuh for a chunk of {@code images}, columns laid out by the two strides. */
    private static int[] convParams(ConvGeometry g, int images, int colStrideN, int colStrideK) {
        return new int[] {g.inChannels(), g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(),
            g.padH(), g.padW(), g.outH(), g.outW(), images, colStrideN, colStrideK};
    }

    /** A 1x1 kernel with stride 1 and no padding: the input already is its own column buffer. */
    private static boolean pointwise(ConvGeometry g) {
        return g.kernelH() == 1 && g.kernelW() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 0
                && g.padW() == 0;
    }

    /** Images per chunk so that one chunk's column buffer stays within {@link #COLUMN_BUDGET}. */
    private static int chunkImages(ConvGeometry g, long columnsPerImage) {
        return (int) Math.max(1, Math.min(g.batch(), COLUMN_BUDGET / Math.max(1, columnsPerImage)));
    }

    @Override
    public void conv2dForward(ConvGeometry g, Storage x, Storage w, Storage bias, Storage y) {
        // y_n (OC, OHW) = W (OC, CKK) x cols_n (CKK, OHW): a batched GEMM with W's stride 0.
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int ohw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = g.outChannels() * ohw;
        DeviceBuffer dx = buf(x);
        DeviceBuffer dw = buf(w);
        DeviceBuffer dy = buf(y);
        if (pointwise(g)) {
            gemmRowMajor(false, false, g.batch(), g.outChannels(), ohw, ckk, 1f, dw, 0, 0, dx, 0, inImage, 0f, dy, 0,
                    outImage);
        } else {
            long colsPerImage = Math.multiplyExact((long) ckk, ohw);
            int chunk = chunkImages(g, colsPerImage);
            DeviceBuffer cols = pool.allocate(4L * chunk * colsPerImage);
            try {
                for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
                    int count = Math.min(chunk, g.batch() - n0);
                    launch(k.im2col, (long) count * g.inChannels() * ohw, new KernelArgs().ptr(dx, 4L * n0 * inImage)
                            .ptr(cols, 0).struct(convParams(g, count, Math.toIntExact(colsPerImage), ohw)));
                    gemmRowMajor(false, false, count, g.outChannels(), ohw, ckk, 1f, dw, 0, 0, cols, 0, colsPerImage,
                            0f, dy, (long) n0 * outImage, outImage);
                }
            } finally {
                pool.release(cols);
            }
        }
        if (bias != null) {
            launch(k.biasAdd, (long) g.batch() * outImage, new KernelArgs().ptr(dy, 0).ptr(buf(bias), 0).i(g.batch())
                    .i(g.outChannels()).i(ohw));
        }
        after("conv2dForward");
    }

    @Override
    public void conv2dBackwardData(ConvGeometry g, Storage dy, Storage w, Storage dx) {
        // dcols_n (CKK, OHW) = W^T (CKK, OC) x dy_n (OC, OHW), then col2im gathers the columns into dx_n.
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int ohw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = g.outChannels() * ohw;
        DeviceBuffer ddy = buf(dy);
        DeviceBuffer dw = buf(w);
        DeviceBuffer ddx = buf(dx);
        if (pointwise(g)) {
            gemmRowMajor(true, false, g.batch(), ckk, ohw, g.outChannels(), 1f, dw, 0, 0, ddy, 0, outImage, 0f, ddx, 0,
                    inImage);
        } else {
            long colsPerImage = Math.multiplyExact((long) ckk, ohw);
            int chunk = chunkImages(g, colsPerImage);
            DeviceBuffer cols = pool.allocate(4L * chunk * colsPerImage);
            try {
                for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
                    int count = Math.min(chunk, g.batch() - n0);
                    gemmRowMajor(true, false, count, ckk, ohw, g.outChannels(), 1f, dw, 0, 0, ddy, (long) n0 * outImage,
                            outImage, 0f, cols, 0, colsPerImage);
                    launch(k.col2im, (long) count * inImage, new KernelArgs().ptr(cols, 0).ptr(ddx, 4L * n0 * inImage)
                            .struct(convParams(g, count, Math.toIntExact(colsPerImage), ohw)));
                }
            } finally {
                pool.release(cols);
            }
        }
        after("conv2dBackwardData");
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage dy, Storage dw) {
        // dW (OC, CKK) = sum_n dy_n (OC, OHW) x cols_n^T (OHW, CKK). Per chunk of images, the columns are
        // written channel-major (CKK, images * OHW) and dy is permuted to (OC, images * OHW), so that the
        // sum over images is the inner dimension of one GEMM; chunks accumulate with beta = 1.
        int ckk = g.inChannels() * g.kernelH() * g.kernelW();
        int ohw = g.outH() * g.outW();
        int inImage = g.inChannels() * g.inH() * g.inW();
        int outImage = g.outChannels() * ohw;
        DeviceBuffer dx = buf(x);
        DeviceBuffer ddy = buf(dy);
        DeviceBuffer ddw = buf(dw);
        long colsPerImage = Math.multiplyExact((long) ckk, ohw);
        int chunk = chunkImages(g, colsPerImage + outImage);
        DeviceBuffer cols = pointwise(g) && chunk == 1 ? null : pool.allocate(4L * chunk * colsPerImage);
        DeviceBuffer dyT = chunk == 1 ? null : pool.allocate(4L * chunk * outImage);
        try {
            for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
                int count = Math.min(chunk, g.batch() - n0);
                int inner = Math.toIntExact((long) count * ohw);
                DeviceBuffer colBuf = cols;
                long colOff = 0;
                if (cols == null) {
                    colBuf = dx;                         // 1x1, one image: the input is its own columns
                    colOff = (long) n0 * inImage;
                } else {
                    launch(k.im2col, (long) count * g.inChannels() * ohw, new KernelArgs().ptr(dx, 4L * n0 * inImage)
                            .ptr(cols, 0).struct(convParams(g, count, ohw, inner)));
                }
                DeviceBuffer dyBuf = ddy;
                long dyOff = (long) n0 * outImage;
                if (count > 1) {
                    permuteLaunch(ddy, dyOff, dyT, 0, new int[] {g.outChannels(), count, ohw},
                            new long[] {ohw, outImage, 1});
                    dyBuf = dyT;
                    dyOff = 0;
                }
                gemmRowMajor(false, true, 1, g.outChannels(), ckk, inner, 1f, dyBuf, dyOff, 0, colBuf, colOff, 0,
                        n0 == 0 ? 0f : 1f, ddw, 0, 0);
            }
        } finally {
            if (cols != null) {
                pool.release(cols);
            }
            if (dyT != null) {
                pool.release(dyT);
            }
        }
        after("conv2dBackwardWeight");
    }

    /** PoolParams of common.cuh. */
    private static int[] poolParams(PoolGeometry g) {
        return new int[] {g.batch() * g.channels(), g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(),
            g.strideW(), g.padH(), g.padW(), g.outH(), g.outW()};
    }

    @Override
    public void maxPool2dForward(PoolGeometry g, Storage x, Storage y, Storage indices) {
        launch(k.maxPoolForward, g.outputSize(), new KernelArgs().ptr(buf(x), 0).ptr(buf(y), 0).ptr(buf(indices), 0)
                .struct(poolParams(g)));
        after("maxPool2dForward");
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Storage dy, Storage indices, Storage dx) {
        launch(k.maxPoolBackward, g.inputSize(), new KernelArgs().ptr(buf(dy), 0).ptr(buf(indices), 0)
                .ptr(buf(dx), 0).struct(poolParams(g)));
        after("maxPool2dBackward");
    }

    @Override
    public void avgPool2dForward(PoolGeometry g, Storage x, Storage y) {
        launch(k.avgPoolForward, g.outputSize(), new KernelArgs().ptr(buf(x), 0).ptr(buf(y), 0).struct(poolParams(g)));
        after("avgPool2dForward");
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Storage dy, Storage dx) {
        launch(k.avgPoolBackward, g.inputSize(), new KernelArgs().ptr(buf(dy), 0).ptr(buf(dx), 0)
                .struct(poolParams(g)));
        after("avgPool2dBackward");
    }

    // ---------------------------------------------------------------- fused optimizer updates

    @Override
    public void sgdUpdate(Storage param, Storage grad, Storage velocity, int n, SgdParams p) {
        KernelArgs args = new KernelArgs().ptr(buf(param), 0).ptr(buf(grad), 0);
        if (velocity == null || p.momentum() == 0f) {
            args.nullPtr();
        } else {
            args.ptr(buf(velocity), 0);
        }
        launch(k.sgdUpdate, n, args.i(n).f(p.lr()).f(p.momentum()).f(p.dampening()).f(p.weightDecay())
                .i(p.nesterov() ? 1 : 0).i(p.firstStep() ? 1 : 0));
        after("sgdUpdate");
    }

    @Override
    public void adamUpdate(Storage param, Storage grad, Storage m, Storage v, int n, AdamParams p) {
        // Bias corrections once, in double, as the CPU computes them.
        float bc1 = (float) (1 - Math.pow(p.beta1(), p.step()));
        float bc2 = (float) (1 - Math.pow(p.beta2(), p.step()));
        launch(k.adamUpdate, n, new KernelArgs().ptr(buf(param), 0).ptr(buf(grad), 0).ptr(buf(m), 0).ptr(buf(v), 0)
                .i(n).f(p.lr()).f(p.beta1()).f(p.beta2()).f(p.eps()).f(p.weightDecay()).i(p.decoupled() ? 1 : 0)
                .f(bc1).f(bc2));
        after("adamUpdate");
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void synchronize() {
        open();
        ctx.synchronize();
    }

    @Override
    public MemoryStats memoryStats() {
        return pool.stats();
    }

    /** A CUDA event on this backend's stream, for timing device work (see GpuTiming in the tests). */
    CudaEvent newEvent() {
        open();
        return new CudaEvent(ctx);
    }

    /** Frees the cached (unused) blocks of the memory pool back to the device. */
    public void emptyCache() {
        open();
        pool.emptyCache();
    }

    /**
     * Queues nothing new, waits for queued work, then frees every block (live storage included), the
     * cuBLAS handle, the modules, the stream and the context. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            pool.close();
        } finally {
            try {
                blas.close();
                k.close();
            } finally {
                ctx.close();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void open() {
        if (closed) {
            throw new IllegalStateException("cuda: the backend was closed");
        }
    }

    /** The device block of a storage of ours (the front end has checked ownership; this is the guard). */
    private DeviceBuffer buf(Storage s) {
        if (!(s instanceof CudaStorage cs) || cs.owner() != this) {
            throw new IllegalArgumentException("cuda: " + s + " does not belong to this CUDA backend");
        }
        open();
        return cs.buffer();
    }

    /** A 1-D grid-stride launch over {@code n} elements; nothing for {@code n == 0}. */
    private void launch(CudaFunction f, long n, KernelArgs args) {
        if (n <= 0) {
            return;
        }
        f.launch(Math.min((n + THREADS - 1) / THREADS, maxBlocks), THREADS, 0, args);
    }

    /** In synchronous mode, waits and turns an asynchronous failure into an error naming the primitive. */
    private void after(String primitive) {
        if (sync) {
            try {
                ctx.synchronize();
            } catch (CudaException e) {
                throw new CudaException("cuda: " + primitive + " failed (flint.cuda.sync=true checks every primitive): "
                        + e.getMessage(), e);
            }
        }
    }

    /** The allocator's view of the context: out-of-memory becomes the exception it retries on. */
    private static final class ContextMemory implements DeviceMemory<DeviceBuffer> {
        private final CudaContext ctx;

        ContextMemory(CudaContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public DeviceBuffer allocate(long bytes) {
            try {
                return ctx.allocate(bytes);
            } catch (CudaException e) {
                if (e.isOutOfMemory()) {
                    throw new OutOfDeviceMemoryException(e.getMessage(), e);
                }
                throw e;
            }
        }

        @Override
        public void free(DeviceBuffer block) {
            ctx.free(block);
        }

        @Override
        public void synchronize() {
            ctx.synchronize();
        }

        @Override
        public long[] deviceMemoryInfo() {
            try {
                return ctx.memoryInfo();
            } catch (CudaException e) {
                return null;
            }
        }
    }
}

package dev.flint.cuda.driver;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * A cuBLAS handle bound to a context's stream, in column-major terms as cuBLAS itself (the row-major
 * swap lives in the backend). The JNI library must have been loaded first (see
 * {@link dev.flint.cuda.loader.CublasLibrary}).
 *
 * <pre>{@code
 * try (Blas blas = new Blas(ctx, false)) {
 *     blas.sgemm(false, false, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, ldc);
 * }
 * }</pre>
 */
public final class Blas implements AutoCloseable {
    private final CudaContext context;
    private final cublasHandle handle = new cublasHandle();
    private final boolean tf32;
    private boolean closed;

    /**
     * Creates the handle on {@code context}'s stream. {@code tf32} false keeps SGEMM in exact FP32
     * ({@code CUBLAS_DEFAULT_MATH}); true allows TF32 tensor cores ({@code CUBLAS_TF32_TENSOR_OP_MATH}).
     */
    public Blas(CudaContext context, boolean tf32) {
        this.context = context;
        this.tf32 = tf32;
        context.makeCurrent();
        JCublas2.setExceptionsEnabled(true);
        try {
            JCublas2.cublasCreate(handle);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cublasCreate", e);
        }
        try {
            JCublas2.cublasSetStream(handle, new cudaStream_t(context.stream()));
            JCublas2.cublasSetMathMode(handle,
                    tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH);
        } catch (jcuda.CudaException e) {
            JCublas2.cublasDestroy(handle);
            throw CudaException.from("cublasSetStream/cublasSetMathMode", e);
        }
    }

    public boolean tf32() {
        return tf32;
    }

    /** Column-major {@code C = alpha op(A) op(B) + beta C}; offsets in elements. */
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                   float beta, DeviceBuffer c, long cOffset, int ldc) {
        context.makeCurrent();
        try {
            JCublas2.cublasSgemm(handle, op(transA), op(transB), m, n, k, Pointer.to(new float[] {alpha}),
                    a.at(4 * aOffset), lda, b.at(4 * bOffset), ldb, Pointer.to(new float[] {beta}),
                    c.at(4 * cOffset), ldc);
            context.countQueued();
        } catch (jcuda.CudaException e) {
            throw CudaException.from(String.format("cublasSgemm(%s%s m=%d n=%d k=%d)", transA ? "T" : "N",
                    transB ? "T" : "N", m, n, k), e);
        }
    }

    /** Column-major strided batched SGEMM; a stride of 0 reuses one matrix for every batch entry. */
    public synchronized void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                                 DeviceBuffer a, long aOffset, int lda, long strideA,
                                                 DeviceBuffer b, long bOffset, int ldb, long strideB, float beta,
                                                 DeviceBuffer c, long cOffset, int ldc, long strideC, int batch) {
        context.makeCurrent();
        try {
            JCublas2.cublasSgemmStridedBatched(handle, op(transA), op(transB), m, n, k,
                    Pointer.to(new float[] {alpha}), a.at(4 * aOffset), lda, strideA, b.at(4 * bOffset), ldb,
                    strideB, Pointer.to(new float[] {beta}), c.at(4 * cOffset), ldc, strideC, batch);
            context.countQueued();
        } catch (jcuda.CudaException e) {
            throw CudaException.from(String.format("cublasSgemmStridedBatched(%s%s m=%d n=%d k=%d batch=%d)",
                    transA ? "T" : "N", transB ? "T" : "N", m, n, k, batch), e);
        }
    }

    private static int op(boolean trans) {
        return trans ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
    }

    @Override
    public synchronized void close() {
        if (closed || context.isClosed()) {
            return;
        }
        closed = true;
        context.makeCurrent();
        try {
            JCublas2.cublasDestroy(handle);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cublasDestroy", e);
        }
    }
}

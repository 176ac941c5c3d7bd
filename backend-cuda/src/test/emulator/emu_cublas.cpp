// Stand-in cuBLAS for EmulatedCudaTest: the handle, stream and math-mode calls JCublas2 makes, and SGEMM
// (column-major, BLAS semantics, host pointer mode) on "device" pointers that are host memory in the
// emulator. Built as libcublas.so.13 with every symbol versioned libcublas.so.13, so the tests also run
// CublasLibrary's retargeting. Accumulates in double: the emulator checks indexing, not rounding.
//
// Like the real cuBLAS, the first GEMM of a handle allocates a workspace from the device (here through the
// emulated driver's cuMemAlloc, so it counts against EMU_CUDA_MEMORY_MIB), EMU_CUBLAS_WORKSPACE_MIB
// (default 4) MiB, and fails with CUBLAS_STATUS_ALLOC_FAILED when the device has no room; the handle keeps
// it until cublasDestroy.
#include <cstdint>
#include <cstdlib>

extern "C" {

// From the emulated driver (libcuda.so.1, which this library is linked against).
int cuMemAlloc_v2(unsigned long long *p, size_t bytes);
int cuMemFree_v2(unsigned long long p);
void emu_flush(void);

struct Handle {
    unsigned long long workspace;
};

static const int CUBLAS_STATUS_ALLOC_FAILED = 3;

int cublasCreate_v2(void **handle) {
    *handle = new Handle{0};
    return 0;
}

int cublasDestroy_v2(void *handle) {
    Handle *h = static_cast<Handle *>(handle);
    if (h->workspace != 0) {
        cuMemFree_v2(h->workspace);
    }
    delete h;
    return 0;
}

/** The handle's workspace, allocated at its first GEMM; false when the device has no room for it. */
static bool workspace(void *handle) {
    Handle *h = static_cast<Handle *>(handle);
    if (h->workspace != 0) {
        return true;
    }
    const char *mib = std::getenv("EMU_CUBLAS_WORKSPACE_MIB");
    size_t bytes = (size_t) (mib ? std::atoi(mib) : 4) << 20;
    return bytes == 0 || cuMemAlloc_v2(&h->workspace, bytes) == 0;
}

int cublasSetStream_v2(void *, void *) {
    return 0;
}

int cublasSetMathMode(void *, int) {
    return 0;
}

static void sgemm(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                  int ldb, float beta, float *c, int ldc) {
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            double acc = 0;
            for (int p = 0; p < k; p++) {
                float av = transa ? a[p + (long) i * lda] : a[i + (long) p * lda];
                float bv = transb ? b[j + (long) p * ldb] : b[p + (long) j * ldb];
                acc += (double) av * bv;
            }
            float *at = c + i + (long) j * ldc;
            *at = (float) (alpha * acc + (beta == 0.0f ? 0.0 : (double) beta * *at));
        }
    }
}

int cublasSgemm_v2(void *handle, int transa, int transb, int m, int n, int k, const float *alpha, const float *a,
                   int lda, const float *b, int ldb, const float *beta, float *c, int ldc) {
    if (!workspace(handle)) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    emu_flush();
    sgemm(transa, transb, m, n, k, *alpha, a, lda, b, ldb, *beta, c, ldc);
    return 0;
}

int cublasSgemmStridedBatched(void *handle, int transa, int transb, int m, int n, int k, const float *alpha,
                              const float *a, int lda, long long strideA, const float *b, int ldb, long long strideB,
                              const float *beta, float *c, int ldc, long long strideC, int batch) {
    if (!workspace(handle)) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    emu_flush();
    for (int p = 0; p < batch; p++) {
        sgemm(transa, transb, m, n, k, *alpha, a + p * strideA, lda, b + p * strideB, ldb, *beta, c + p * strideC, ldc);
    }
    return 0;
}
}

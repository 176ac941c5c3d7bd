// Stand-in cuBLAS for EmulatedCudaTest: the handle, stream and math-mode calls JCublas2 makes, and SGEMM
// (column-major, BLAS semantics, host pointer mode) on "device" pointers that are host memory in the
// emulator. Built as libcublas.so.13 with every symbol versioned libcublas.so.13, so the tests also run
// CublasLibrary's retargeting. Accumulates in double: the emulator checks indexing, not rounding.
#include <cstdint>
#include <cstdlib>

extern "C" {

int cublasCreate_v2(void **handle) {
    *handle = std::malloc(16);
    return 0;
}

int cublasDestroy_v2(void *handle) {
    std::free(handle);
    return 0;
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

int cublasSgemm_v2(void *, int transa, int transb, int m, int n, int k, const float *alpha, const float *a, int lda,
                   const float *b, int ldb, const float *beta, float *c, int ldc) {
    sgemm(transa, transb, m, n, k, *alpha, a, lda, b, ldb, *beta, c, ldc);
    return 0;
}

int cublasSgemmStridedBatched(void *, int transa, int transb, int m, int n, int k, const float *alpha,
                              const float *a, int lda, long long strideA, const float *b, int ldb, long long strideB,
                              const float *beta, float *c, int ldc, long long strideC, int batch) {
    for (int p = 0; p < batch; p++) {
        sgemm(transa, transb, m, n, k, *alpha, a + p * strideA, lda, b + p * strideB, ldb, *beta, c + p * strideC, ldc);
    }
    return 0;
}
}

package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.Gemm;
import dev.flint.backend.Storage;

/**
 * The operands of one float32 GEMM {@code C = op(A) op(B)} (C m x n, contracted over k, beta 0) on one
 * backend, made the same way for every GEMM benchmark: A and B uniform in [-1, 1) with seeds 1 and 2,
 * C zeroed so that its pages are touched before timing. A size that {@link GemmBenchmark} and
 * {@link GemmShapeBenchmark} both time is then the same work in both.
 *
 * <pre>{@code
 * GemmOperands g = new GemmOperands(BenchSupport.open("cpu", "GemmBenchmark n=512"), 512, 512, 512, false, false);
 * g.run();        // the timed unit; g.release() in the trial teardown
 * }</pre>
 */
final class GemmOperands {
    private final Backend backend;
    private final int m;
    private final int n;
    private final int k;
    private final boolean transA;
    private final boolean transB;
    private final Storage a;
    private final Storage b;
    private final Storage c;

    /** A is m x k (k x m when transposed), B k x n (n x k when transposed); waits until they are filled. */
    GemmOperands(Backend backend, int m, int n, int k, boolean transA, boolean transB) {
        this.backend = backend;
        this.m = m;
        this.n = n;
        this.k = k;
        this.transA = transA;
        this.transB = transB;
        a = BenchSupport.uniform(backend, m * k, 1L, -1f, 1f);
        b = BenchSupport.uniform(backend, k * n, 2L, -1f, 1f);
        c = BenchSupport.zeros(backend, m * n);
        backend.synchronize();
    }

    /** One GEMM, waited for, so that an asynchronous backend is timed for the work and not the launch. */
    void run() {
        backend.gemm(Gemm.of(m, n, k).a(a, transA).b(b, transB).into(c));
        backend.synchronize();
    }

    /** Releases the three buffers. */
    void release() {
        BenchSupport.release(a, b, c);
    }
}

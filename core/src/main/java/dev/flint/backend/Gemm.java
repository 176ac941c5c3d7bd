package dev.flint.backend;

import java.util.Objects;

/**
 * The arguments of one {@link Backend#gemm} call: a batched, row-major matrix product
 * {@code C_p = alpha * op(A_p) * op(B_p) + beta * C_p} for {@code p < batch}, with {@code op(A_p)} of
 * shape m x k and {@code op(B_p)} of shape k x n. Each operand names its buffer, where its first
 * matrix starts, the distance between consecutive batch entries (0 reuses one matrix for every
 * entry) and whether it is stored transposed (A as k x m, B as n x k). With {@code beta == 0}, C's
 * old contents are ignored (even NaN).
 *
 * <pre>{@code
 * // y (m, n) = x (m, k) times w^T, with w stored (n, k): no copy of w
 * backend.gemm(Gemm.of(m, n, k).a(x, false).b(w, true).into(y));
 * }</pre>
 */
public record Gemm(int batch, int m, int n, int k, float alpha, Operand a, Operand b, float beta, Operand c) {

    /** One operand: its buffer, the offset of matrix 0, the batch stride and whether it is stored transposed. */
    public record Operand(Storage data, int offset, int batchStride, boolean transposed) {
        public Operand {
            Objects.requireNonNull(data, "gemm operand storage");
            if (offset < 0 || batchStride < 0) {
                throw new IllegalArgumentException("gemm: offsets and batch strides must be >= 0, got offset " + offset
                        + ", batch stride " + batchStride);
            }
        }
    }

    public Gemm {
        if (batch < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: sizes must be >= 0, got batch=" + batch + " m=" + m + " n=" + n
                    + " k=" + k);
        }
        Objects.requireNonNull(a, "gemm A");
        Objects.requireNonNull(b, "gemm B");
        Objects.requireNonNull(c, "gemm C");
        if (c.transposed()) {
            throw new IllegalArgumentException("gemm: the output C cannot be transposed");
        }
    }

    /** Starts a product of an m x k by a k x n matrix (batch 1, alpha 1, beta 0). */
    public static Builder of(int m, int n, int k) {
        return new Builder(m, n, k);
    }

    /** Whether A is stored transposed (k x m). */
    public boolean transA() {
        return a.transposed();
    }

    /** Whether B is stored transposed (n x k). */
    public boolean transB() {
        return b.transposed();
    }

    /** Builds a {@link Gemm}; {@link #into} finishes it. */
    public static final class Builder {
        private final int m;
        private final int n;
        private final int k;
        private int batch = 1;
        private float alpha = 1f;
        private float beta = 0f;
        private Operand a;
        private Operand b;

        private Builder(int m, int n, int k) {
            this.m = m;
            this.n = n;
            this.k = k;
        }

        /** A, one matrix at offset 0. */
        public Builder a(Storage data, boolean transposed) {
            return a(data, 0, 0, transposed);
        }

        /** A with its offset and batch stride. */
        public Builder a(Storage data, int offset, int batchStride, boolean transposed) {
            this.a = new Operand(data, offset, batchStride, transposed);
            return this;
        }

        /** B, one matrix at offset 0. */
        public Builder b(Storage data, boolean transposed) {
            return b(data, 0, 0, transposed);
        }

        /** B with its offset and batch stride. */
        public Builder b(Storage data, int offset, int batchStride, boolean transposed) {
            this.b = new Operand(data, offset, batchStride, transposed);
            return this;
        }

        /** The number of products (default 1). */
        public Builder batch(int count) {
            this.batch = count;
            return this;
        }

        /** The scale of the product (default 1). */
        public Builder alpha(float value) {
            this.alpha = value;
            return this;
        }

        /** The scale of C's old contents (default 0: overwritten). */
        public Builder beta(float value) {
            this.beta = value;
            return this;
        }

        /** The finished arguments, C one matrix at offset 0. */
        public Gemm into(Storage c) {
            return into(c, 0, 0);
        }

        /** The finished arguments, C with its offset and batch stride. */
        public Gemm into(Storage c, int offset, int batchStride) {
            if (a == null || b == null) {
                throw new IllegalStateException("gemm: set both operands a(...) and b(...) before into(...)");
            }
            return new Gemm(batch, m, n, k, alpha, a, b, beta, new Operand(c, offset, batchStride, false));
        }
    }
}

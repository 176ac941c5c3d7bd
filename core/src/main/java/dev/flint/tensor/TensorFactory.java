package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import java.util.Objects;

/**
 * Creates tensors on one backend. Get one with {@link Tensor#on(Backend)} (or
 * {@link Tensor#onDefault()}); it is a small immutable value, cheap to make and safe to share
 * between threads.
 *
 * <pre>{@code
 * TensorFactory t = Tensor.on(Backends.get("cpu"));
 * Tensor x = t.fromFloats(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
 * Tensor w = t.randn(Shape.of(2, 3), new Rng(7)).mul(0.1f).requiresGrad(true);
 * }</pre>
 *
 * <p>Random tensors are drawn on the host from the given {@link Rng} and then copied, so every
 * backend starts from the same values for the same seed.
 */
public final class TensorFactory {
    private final Backend backend;

    TensorFactory(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    /** The backend new tensors are made on. */
    public Backend backend() {
        return backend;
    }

    /** A new tensor with freshly allocated, undefined contents (for ops that overwrite every element). */
    Tensor empty(Shape shape, DType dtype) {
        return Tensor.empty(backend, shape, dtype);
    }

    /** Zeros. */
    public Tensor zeros(Shape shape) {
        return full(shape, 0f);
    }

    /** Ones. */
    public Tensor ones(Shape shape) {
        return full(shape, 1f);
    }

    /** Every element {@code value}. */
    public Tensor full(Shape shape, float value) {
        Tensor t = Tensor.empty(backend, shape, DType.FLOAT32);
        backend.fill(t.storage(), 0, shape.size(), value);
        return t;
    }

    /** A rank-0 tensor holding {@code value}. */
    public Tensor scalar(float value) {
        return full(Shape.scalar(), value);
    }

    /** A float32 copy of {@code data} laid out as {@code shape}. */
    public Tensor fromFloats(float[] data, Shape shape) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("fromFloats: " + data.length + " values do not fill shape " + shape
                    + " (" + shape.size() + " elements)");
        }
        Tensor t = Tensor.empty(backend, shape, DType.FLOAT32);
        backend.upload(data, 0, t.storage(), 0, data.length);
        return t;
    }

    /**
     * An int32 copy of {@code data} (class labels, indices) laid out as {@code shape}. The tensor
     * remembers the smallest and largest value, so range checks on it (cross-entropy labels, gather
     * indices) need not read it back from the device.
     */
    public Tensor fromInts(int[] data, Shape shape) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("fromInts: " + data.length + " values do not fill shape " + shape
                    + " (" + shape.size() + " elements)");
        }
        Tensor t = Tensor.empty(backend, shape, DType.INT32);
        backend.upload(data, 0, t.storage(), 0, data.length);
        // The values are on the host now: their range costs one pass here and saves label checks a download.
        KnownRange.fromHost(t, data, data.length);
        return t;
    }

    /** {@code [0, 1, ..., n-1]} as float32. */
    public Tensor arange(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("arange: n must be >= 0, got " + n);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return fromFloats(v, Shape.of(n));
    }

    /** The n x n identity. */
    public Tensor eye(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("eye: n must be >= 0, got " + n);
        }
        float[] v = new float[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1f;
        }
        return fromFloats(v, Shape.of(n, n));
    }

    /** Uniform in [0, 1), drawn on the host from {@code rng}. */
    public Tensor rand(Shape shape, Rng rng) {
        return uniform(shape, 0f, 1f, rng);
    }

    /** Uniform in [lo, hi), drawn on the host from {@code rng}. */
    public Tensor uniform(Shape shape, float lo, float hi, Rng rng) {
        if (!(hi >= lo)) {
            throw new IllegalArgumentException("uniform: need lo <= hi, got [" + lo + ", " + hi + ")");
        }
        float[] v = new float[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rng.nextFloat();
        }
        return fromFloats(v, shape);
    }

    /** Standard normal, drawn on the host from {@code rng}. */
    public Tensor randn(Shape shape, Rng rng) {
        float[] v = new float[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return fromFloats(v, shape);
    }

    @Override
    public String toString() {
        return "TensorFactory on " + backend.name();
    }
}

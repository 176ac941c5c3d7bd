package dev.flint.cpu;

import dev.flint.backend.AbstractStorage;
import dev.flint.backend.DType;

/**
 * A CPU buffer: a Java {@code float[]} for {@link DType#FLOAT32} or an {@code int[]} for
 * {@link DType#INT32}, exactly {@link #size()} elements long, element 0 at index 0.
 *
 * <pre>{@code
 * CpuStorage s = (CpuStorage) cpu.allocate(DType.FLOAT32, 4);
 * s.floats()[2] = 1.5f;   // direct access for tests and benchmarks
 * }</pre>
 *
 * <p>Freeing hands the array back to the backend's pool for reuse (or to the garbage collector);
 * touching a freed buffer through this object throws, and an array obtained from {@link #floats()}
 * must not be kept past the storage's release.
 */
public final class CpuStorage extends AbstractStorage {
    private final CpuBackend owner;
    private volatile float[] floats;
    private volatile int[] ints;

    CpuStorage(CpuBackend owner, DType dtype, int size, float[] floats, int[] ints) {
        super(owner, dtype, size);
        this.owner = owner;
        this.floats = floats;
        this.ints = ints;
    }

    /** The backing array of a FLOAT32 buffer (live: writes are seen by the backend). */
    public float[] floats() {
        float[] f = floats;
        if (f == null) {
            throw new IllegalStateException(dtype() == DType.FLOAT32
                    ? "cpu storage of " + size() + " float32 was already freed"
                    : "cpu storage holds " + dtype() + ", expected float32");
        }
        return f;
    }

    /** The backing array of an INT32 buffer (live: writes are seen by the backend). */
    public int[] ints() {
        int[] i = ints;
        if (i == null) {
            throw new IllegalStateException(dtype() == DType.INT32
                    ? "cpu storage of " + size() + " int32 was already freed"
                    : "cpu storage holds " + dtype() + ", expected int32");
        }
        return i;
    }

    /** The backing array whatever its dtype, for dtype-agnostic copies with {@link System#arraycopy}. */
    Object array() {
        return dtype() == DType.FLOAT32 ? floats() : ints();
    }

    @Override
    protected void free() {
        float[] f = floats;
        int[] i = ints;
        floats = null;
        ints = null;
        owner.released(this, f, i);
    }
}

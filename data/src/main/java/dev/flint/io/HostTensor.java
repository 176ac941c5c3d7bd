package dev.flint.io;

import dev.flint.backend.DType;
import java.util.Arrays;

/**
 * A tensor's values on the host: a dtype, a shape and a plain Java array ({@code float[]} for
 * {@link DType#FLOAT32}, {@code int[]} for {@link DType#INT32}). It is what {@link SafeTensors}
 * reads and writes below the level of backends, so files can be inspected or produced without one.
 *
 * <pre>{@code
 * HostTensor w = HostTensor.ofFloats(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
 * HostTensor y = HostTensor.ofInts(new int[] {3}, new int[] {7, 8, 9});
 * }</pre>
 *
 * <p>The arrays are not copied: a {@code HostTensor} wraps the caller's array and hands it out again.
 */
public final class HostTensor {
    private final DType dtype;
    private final int[] shape;
    private final float[] floats;
    private final int[] ints;

    private HostTensor(DType dtype, int[] shape, float[] floats, int[] ints) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.floats = floats;
        this.ints = ints;
        long count = elementCount(this.shape);
        int length = floats != null ? floats.length : ints.length;
        if (count != length) {
            throw new IllegalArgumentException("HostTensor: shape " + Arrays.toString(shape) + " holds "
                    + count + " elements, array has " + length);
        }
    }

    /** A FLOAT32 tensor of {@code shape} wrapping {@code values} (row-major; not copied). */
    public static HostTensor ofFloats(int[] shape, float[] values) {
        return new HostTensor(DType.FLOAT32, shape, values, null);
    }

    /** An INT32 tensor of {@code shape} wrapping {@code values} (row-major; not copied). */
    public static HostTensor ofInts(int[] shape, int[] values) {
        return new HostTensor(DType.INT32, shape, null, values);
    }

    /**
     * Number of elements of {@code shape}, the product of its dimensions (1 for a scalar).
     *
     * @throws IllegalArgumentException when a dimension is negative or the product exceeds
     *     {@link Integer#MAX_VALUE} (Flint tensors are indexed by int)
     */
    public static long elementCount(int[] shape) {
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more than " + Integer.MAX_VALUE + " elements");
            }
        }
        return count;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the dimensions. */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public int size() {
        return floats != null ? floats.length : ints.length;
    }

    /** The values of a FLOAT32 tensor (the wrapped array itself). */
    public float[] floats() {
        if (floats == null) {
            throw new IllegalStateException("HostTensor: floats() on a " + dtype + " tensor; use ints()");
        }
        return floats;
    }

    /** The values of an INT32 tensor (the wrapped array itself). */
    public int[] ints() {
        if (ints == null) {
            throw new IllegalStateException("HostTensor: ints() on a " + dtype + " tensor; use floats()");
        }
        return ints;
    }

    /** Same dtype, shape and values (bitwise for floats, so NaN equals NaN). */
    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor h && h.dtype == dtype && Arrays.equals(h.shape, shape)
                && Arrays.equals(h.floats, floats) && Arrays.equals(h.ints, ints);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape))
                + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(ints));
    }

    @Override
    public String toString() {
        return "HostTensor(" + dtype + ", " + Arrays.toString(shape) + ")";
    }
}

package dev.flint.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape: the size of each dimension, outermost first (row-major).
 *
 * <pre>{@code
 * Shape s = Shape.of(64, 1, 28, 28);
 * s.size();   // 50176
 * s.dim(-1);  // 28
 * }</pre>
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        this.dims = dims;
        long n = 1;
        for (int d : dims) {
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than "
                        + Integer.MAX_VALUE + " elements");
            }
        }
        this.size = (int) n;
    }

    /** A shape with the given dimensions; each must be at least 0. */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": negative dimension " + d);
            }
        }
        return new Shape(dims.clone());
    }

    /** The rank-0 shape of a scalar (one element). */
    public static Shape scalar() {
        return SCALAR;
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Number of elements (1 for a scalar). */
    public int size() {
        return size;
    }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public int dim(int axis) {
        return dims[axis(axis, "dim")];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * Normalizes {@code axis} (negative counts from the end) or throws naming {@code op}, the axis and
     * this shape.
     */
    public int axis(int axis, String op) {
        int r = dims.length;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for shape " + this
                    + " (rank " + r + ")");
        }
        return a;
    }

    /** Product of dimensions {@code [from, to)}. */
    public int sizeBetween(int from, int to) {
        int n = 1;
        for (int i = from; i < to; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Row-major strides in elements. */
    public int[] strides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /**
     * Strides for reading this shape as if broadcast to {@code out}: 0 on the axes this shape
     * lacks or has as 1 where {@code out} is larger. Assumes the shapes are broadcast-compatible.
     */
    public int[] broadcastStrides(Shape out) {
        int[] own = strides();
        int[] s = new int[out.rank()];
        int shift = out.rank() - rank();
        for (int i = 0; i < out.rank(); i++) {
            int j = i - shift;
            s[i] = j < 0 || (dims[j] == 1 && out.dims[i] != 1) ? 0 : own[j];
        }
        return s;
    }

    /** NumPy broadcasting of two shapes, or an error naming {@code op} and both shapes. */
    public static Shape broadcast(String op, Shape a, Shape b) {
        if (a.equals(b)) {
            return a;
        }
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.rank()) >= 0 ? a.dims[i - (r - a.rank())] : 1;
            int db = i - (r - b.rank()) >= 0 ? b.dims[i - (r - b.rank())] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b
                        + " cannot be broadcast (dimension " + i + " of the result: " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    /** This shape with dimension {@code axis} replaced by {@code size}. */
    public Shape withDim(int axis, int size) {
        int[] d = dims.clone();
        d[axis(axis, "withDim")] = size;
        return Shape.of(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Like {@code [64, 1, 28, 28]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}

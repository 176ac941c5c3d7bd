package dev.flint.backend;

/**
 * Element types. Computation is float32; class labels and pooling indices are int32.
 *
 * <pre>{@code
 * Tensor labels = Tensor.onDefault().fromInts(new int[] {3, 1, 4}, Shape.of(3));
 * assert labels.dtype() == DType.INT32;
 * }</pre>
 */
public enum DType {
    FLOAT32(4, "float32"),
    INT32(4, "int32");

    private final int byteSize;
    private final String label;

    DType(int byteSize, String label) {
        this.byteSize = byteSize;
        this.label = label;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    @Override
    public String toString() {
        return label;
    }
}

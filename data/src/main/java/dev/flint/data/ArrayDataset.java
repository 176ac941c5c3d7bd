package dev.flint.data;

import dev.flint.tensor.Shape;
import java.util.Arrays;

/**
 * A dataset held in memory as one {@code float[]} of features (sample after sample, each row-major
 * in the sample shape) and one {@code int[]} of labels.
 *
 * <pre>{@code
 * // four 2-feature samples of two classes (XOR)
 * Dataset xor = new ArrayDataset(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, new int[] {0, 1, 1, 0}, 2, 2);
 * }</pre>
 *
 * <p>The arrays are not copied: the dataset wraps the caller's arrays, which must not change afterwards.
 */
public final class ArrayDataset implements Dataset {
    private final float[] features;
    private final int[] labels;
    private final int numClasses;
    private final Shape sampleShape;
    private final int sampleSize;

    /**
     * Same as {@link #ArrayDataset(float[], int[], int, int...)} with the sample shape as a {@link Shape}.
     */
    public ArrayDataset(float[] features, int[] labels, int numClasses, Shape sampleShape) {
        this(features, labels, numClasses, sampleShape.dims());
    }

    /**
     * @param features {@code labels.length * product(sampleDims)} floats, not copied
     * @param labels one label per sample, each in {@code [0, numClasses)}, not copied
     * @param numClasses number of classes, at least 1
     * @param sampleDims the shape of one sample, such as {@code 1, 28, 28}; each dimension positive
     * @throws IllegalArgumentException when the sizes disagree or a label is out of range, naming both
     */
    public ArrayDataset(float[] features, int[] labels, int numClasses, int... sampleDims) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("ArrayDataset: numClasses must be at least 1, got " + numClasses);
        }
        long size = 1;
        for (int d : sampleDims) {
            if (d <= 0) {
                throw new IllegalArgumentException("ArrayDataset: sample shape " + Arrays.toString(sampleDims)
                        + " has a non-positive dimension");
            }
            size *= d;
        }
        if ((long) labels.length * size != features.length) {
            throw new IllegalArgumentException("ArrayDataset: " + labels.length + " labels of samples shaped "
                    + Arrays.toString(sampleDims) + " need " + (long) labels.length * size
                    + " features, got " + features.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("ArrayDataset: label " + labels[i] + " of sample " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        this.features = features;
        this.labels = labels;
        this.numClasses = numClasses;
        this.sampleShape = Shape.of(sampleDims);
        this.sampleSize = (int) size;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int sampleSize() {
        return sampleSize;
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public int copySample(int index, float[] dst, int offset) {
        int label = labels[index];
        System.arraycopy(features, index * sampleSize, dst, offset, sampleSize);
        return label;
    }

    @Override
    public String toString() {
        return "ArrayDataset(" + labels.length + " samples of " + sampleShape + ", "
                + numClasses + " classes)";
    }
}

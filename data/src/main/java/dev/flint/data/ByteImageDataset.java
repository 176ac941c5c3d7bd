package dev.flint.data;

import dev.flint.tensor.Shape;
import java.util.Arrays;

/**
 * Grey-scale images kept as their original unsigned bytes (a quarter of the memory of floats) and
 * turned into floats only when a sample is copied out: {@code value = byte * scale + shift}, through a
 * 256-entry table so that every sample converts identically. MNIST datasets are of this kind.
 *
 * <pre>{@code
 * Idx.Images im = Idx.readImages(imagesFile);
 * Dataset d = new ByteImageDataset(im.pixels(), labels, 10, im.rows(), im.cols(), Mnist.Normalization.UNIT);
 * }</pre>
 *
 * <p>Samples are shaped {@code (1, rows, cols)}: one channel, as convolutions expect.
 */
public final class ByteImageDataset implements Dataset {
    private final byte[] pixels;
    private final byte[] labels;
    private final int numClasses;
    private final int rows;
    private final int cols;
    private final int sampleSize;
    private final Shape sampleShape;
    private final float[] table = new float[256];
    private final Mnist.Normalization normalization;

    /**
     * @param pixels {@code labels.length * rows * cols} bytes, image after image; not copied
     * @param labels one unsigned byte per image, each below {@code numClasses}; not copied
     * @param normalization how bytes become floats
     * @throws IllegalArgumentException when sizes disagree or a label is out of range
     */
    public ByteImageDataset(byte[] pixels, byte[] labels, int numClasses, int rows, int cols,
                            Mnist.Normalization normalization) {
        if (rows <= 0 || cols <= 0 || (long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException("ByteImageDataset: " + labels.length + " labels of " + rows + "x"
                    + cols + " images need " + (long) labels.length * rows * cols + " pixels, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i] & 0xff;
            if (label >= numClasses) {
                throw new IllegalArgumentException("ByteImageDataset: label " + label + " of image " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.numClasses = numClasses;
        this.rows = rows;
        this.cols = cols;
        this.sampleSize = rows * cols;
        this.sampleShape = Shape.of(1, rows, cols);
        this.normalization = normalization;
        for (int b = 0; b < 256; b++) {
            table[b] = normalization.apply(b);
        }
    }

    @Override
    public int size() {
        return labels.length;
    }

    /** {@code (1, rows, cols)}: one grey channel. */
    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int sampleSize() {
        return sampleSize;
    }

    /** Image height in pixels. */
    public int rows() {
        return rows;
    }

    /** Image width in pixels. */
    public int cols() {
        return cols;
    }

    /** How bytes become floats. */
    public Mnist.Normalization normalization() {
        return normalization;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int label(int index) {
        return labels[index] & 0xff;
    }

    @Override
    public int copySample(int index, float[] dst, int offset) {
        int label = labels[index] & 0xff;
        if (offset < 0 || offset + sampleSize > dst.length) {
            throw new IndexOutOfBoundsException("copySample: " + sampleSize + " floats at offset " + offset
                    + " do not fit in an array of " + dst.length);
        }
        int base = index * sampleSize;
        for (int i = 0; i < sampleSize; i++) {
            dst[offset + i] = table[pixels[base + i] & 0xff];
        }
        return label;
    }

    /** Number of images of each class, indexed by label. */
    int[] classCounts() {
        int[] counts = new int[numClasses];
        for (byte b : labels) {
            counts[b & 0xff]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return "ByteImageDataset(" + labels.length + " images of " + rows + "x" + cols + ", " + numClasses
                + " classes, " + normalization + ", class counts " + Arrays.toString(classCounts()) + ")";
    }
}

package dev.flint.data;

import dev.flint.tensor.Shape;

/**
 * A finite, indexed collection of labelled samples for classification: sample {@code i} is
 * {@link #sampleSize()} floats (row-major in the sample's shape) and an int label in
 * {@code [0, numClasses())}. A {@link DataLoader} batches samples into tensors; datasets themselves
 * stay on the host and know nothing of backends.
 *
 * <pre>{@code
 * Dataset train = EmbeddedMnist.train();              // 10,000 samples of 1 x 28 x 28
 * float[] x = new float[train.sampleSize()];
 * int y = train.copySample(0, x, 0);
 * }</pre>
 *
 * <p>Implementations are read-only once built, so one dataset may feed several loaders and threads.
 */
public interface Dataset {

    /** Number of samples. */
    int size();

    /** The shape of one sample's features, such as {@code (1, 28, 28)} for an MNIST image. */
    Shape sampleShape();

    /** Number of floats in one sample: {@code sampleShape().size()}. */
    default int sampleSize() {
        return sampleShape().size();
    }

    /** Number of classes; every label lies in {@code [0, numClasses())}. */
    int numClasses();

    /**
     * The label of sample {@code index}, without touching its features.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
     */
    int label(int index);

    /**
     * Copies sample {@code index}'s features into {@code dst[offset, offset + sampleSize())} and returns
     * its label.
     *
     * @param dst modified: the {@link #sampleSize()} floats from {@code offset} are overwritten
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()} and the sample fits in {@code dst}
     */
    int copySample(int index, float[] dst, int offset);
}

package dev.flint.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A class-balanced subset of MNIST shipped inside the jar, so a first run needs no download:
 * 10,000 training images (1,000 per digit) drawn from MNIST's training set and 2,000 test images
 * (200 per digit) from its test set, 28x28, as gzip-compressed IDX files (about 2 MB). The subset was
 * chosen with a fixed seed; {@code src/main/resources/dev/flint/data/README.md} says how it was made
 * and its license (MNIST: CC BY-SA 3.0).
 *
 * <pre>{@code
 * Dataset train = EmbeddedMnist.train();   // pixels in [0, 1], samples shaped (1, 28, 28)
 * Dataset test = EmbeddedMnist.test();
 * }</pre>
 *
 * <p>The data is read once per normalization and shared; datasets are read-only.
 */
public final class EmbeddedMnist {
    /** Folder of the four files on the class path. */
    static final String RESOURCE_DIR = "/dev/flint/data/mnist-subset/";
    /** Training images per class. */
    public static final int TRAIN_PER_CLASS = 1000;
    /** Test images per class. */
    public static final int TEST_PER_CLASS = 200;
    /** Seed the subset was drawn with (see the README beside the data). */
    public static final long SEED = 20_240_917L;

    private static final Mnist.Data[] CACHE = new Mnist.Data[Mnist.Normalization.values().length];

    private EmbeddedMnist() {
    }

    /** The 10,000 training images, pixels in {@code [0, 1]}. */
    public static ByteImageDataset train() {
        return load(Mnist.Normalization.UNIT).train();
    }

    /** The 2,000 test images, pixels in {@code [0, 1]}. */
    public static ByteImageDataset test() {
        return load(Mnist.Normalization.UNIT).test();
    }

    /** Both parts with the given pixel normalization. */
    public static synchronized Mnist.Data load(Mnist.Normalization normalization) {
        Mnist.Data data = CACHE[normalization.ordinal()];
        if (data == null) {
            data = new Mnist.Data(read(Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, normalization),
                    read(Mnist.TEST_IMAGES, Mnist.TEST_LABELS, normalization));
            CACHE[normalization.ordinal()] = data;
        }
        return data;
    }

    private static ByteImageDataset read(String images, String labels, Mnist.Normalization normalization) {
        String imagesPath = RESOURCE_DIR + images + ".gz";
        String labelsPath = RESOURCE_DIR + labels + ".gz";
        try (InputStream im = open(imagesPath); InputStream lb = open(labelsPath)) {
            return Mnist.read(im, imagesPath, lb, labelsPath, normalization);
        } catch (IOException e) {
            // The resource is part of the jar: failing to read it means a broken build, not bad input.
            throw new UncheckedIOException("embedded MNIST: cannot read " + imagesPath + " / " + labelsPath, e);
        }
    }

    private static InputStream open(String path) throws IOException {
        InputStream in = EmbeddedMnist.class.getResourceAsStream(path);
        if (in == null) {
            throw new IOException("resource " + path + " is not on the class path (was flint-core built "
                    + "with its resources?)");
        }
        return in;
    }
}

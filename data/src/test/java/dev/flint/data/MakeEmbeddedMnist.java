package dev.flint.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Generates the embedded MNIST subset ({@link EmbeddedMnist}) from the full MNIST files: for each
 * digit, {@value EmbeddedMnist#TRAIN_PER_CLASS} training and {@value EmbeddedMnist#TEST_PER_CLASS}
 * test images picked by {@link Datasets#balancedIndices} with seed {@value EmbeddedMnist#SEED}, kept in
 * their original order, written as gzip-compressed IDX files with the standard names.
 *
 * <p>Run from the repository root (after {@code mvn -pl core,data test-compile}):
 * <pre>{@code
 * java -cp data/target/classes:data/target/test-classes dev.flint.data.MakeEmbeddedMnist \
 *     ../shared/data/mnist data/src/main/resources/dev/flint/data/mnist-subset
 * }</pre>
 * {@code EmbeddedMnistTest} regenerates the subset in memory and checks it equals the resource.
 */
public final class MakeEmbeddedMnist {
    private MakeEmbeddedMnist() {
    }

    /** One part of the subset as IDX content: images and their labels. */
    record Part(Idx.Images images, byte[] labels) {
    }

    /** Picks {@code perClass} images of each digit from one part of full MNIST. */
    static Part select(Path images, Path labels, int perClass, long seed) throws IOException {
        Idx.Images im = Idx.readImages(images);
        byte[] lb = Idx.readLabels(labels);
        ByteImageDataset all = new ByteImageDataset(im.pixels(), lb, Mnist.CLASSES, im.rows(), im.cols(),
                Mnist.Normalization.UNIT);
        int[] chosen = Datasets.balancedIndices(all, perClass, seed);
        int pixels = im.imageSize();
        byte[] outPixels = new byte[chosen.length * pixels];
        byte[] outLabels = new byte[chosen.length];
        for (int i = 0; i < chosen.length; i++) {
            System.arraycopy(im.pixels(), chosen[i] * pixels, outPixels, i * pixels, pixels);
            outLabels[i] = lb[chosen[i]];
        }
        return new Part(new Idx.Images(chosen.length, im.rows(), im.cols(), outPixels), outLabels);
    }

    /** The training part of the subset, drawn from the full training files in {@code mnistDir}. */
    static Part train(Path mnistDir) throws IOException {
        return select(mnistDir.resolve(Mnist.TRAIN_IMAGES + ".gz"), mnistDir.resolve(Mnist.TRAIN_LABELS + ".gz"),
                EmbeddedMnist.TRAIN_PER_CLASS, EmbeddedMnist.SEED);
    }

    /** The test part of the subset, drawn from the full test files in {@code mnistDir}. */
    static Part test(Path mnistDir) throws IOException {
        return select(mnistDir.resolve(Mnist.TEST_IMAGES + ".gz"), mnistDir.resolve(Mnist.TEST_LABELS + ".gz"),
                EmbeddedMnist.TEST_PER_CLASS, EmbeddedMnist.SEED);
    }

    /** Arguments: the folder of full MNIST (gzip files) and the output folder. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: MakeEmbeddedMnist <mnist-dir> <output-dir>");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        Part train = train(source);
        Part test = test(source);
        write(out, Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, train);
        write(out, Mnist.TEST_IMAGES, Mnist.TEST_LABELS, test);
        System.out.println("wrote " + train.labels().length + " training and " + test.labels().length
                + " test images to " + out);
    }

    private static void write(Path dir, String imagesName, String labelsName, Part part) throws IOException {
        try (OutputStream o = gzip(dir.resolve(imagesName + ".gz"))) {
            Idx.writeImages(o, part.images());
        }
        try (OutputStream o = gzip(dir.resolve(labelsName + ".gz"))) {
            Idx.writeLabels(o, part.labels());
        }
    }

    private static OutputStream gzip(Path file) throws IOException {
        OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file));
        return new GZIPOutputStream(raw, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        };
    }
}

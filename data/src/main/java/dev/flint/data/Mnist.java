package dev.flint.data;

import dev.flint.io.CorruptFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The MNIST handwritten digits from the original IDX files: 60,000 training and 10,000 test images of
 * 28x28 grey pixels, labels 0-9. Each file may be gzip-compressed or raw.
 *
 * <pre>{@code
 * Mnist.Data mnist = Mnist.load(Path.of("data/mnist"));           // pixels scaled to [0, 1]
 * Path dir = Mnist.findSharedData().orElseThrow();                 // ../shared/data/mnist and friends
 * }</pre>
 *
 * <p><b>Default scaling:</b> pixel bytes are divided by 255, giving floats in {@code [0, 1]}
 * ({@link Normalization#UNIT}, like torchvision's {@code ToTensor}). {@link Normalization#STANDARD}
 * further subtracts MNIST's mean {@value #MEAN} and divides by its standard deviation {@value #STD}
 * (the training set's statistics), which some recipes use. Samples are shaped {@code (1, 28, 28)}; a
 * fully connected model flattens them first.
 *
 * <p>Files are checked strictly (see {@link Idx}); in addition, the images and labels of a part must
 * agree in count, every label must be a digit, and training and test images must have the same size.
 */
public final class Mnist {
    /** Mean pixel value of the MNIST training set, on the {@code [0, 1]} scale. */
    public static final float MEAN = 0.1307f;
    /** Standard deviation of the MNIST training set's pixels, on the {@code [0, 1]} scale. */
    public static final float STD = 0.3081f;
    /** Number of classes (the digits 0-9). */
    public static final int CLASSES = 10;

    /** Base name of the training images file (optionally followed by {@code .gz}). */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** Base name of the training labels file. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** Base name of the test images file. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** Base name of the test labels file. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** System property naming a folder with the four MNIST files. */
    public static final String PROPERTY = "flint.mnist.dir";
    /** Environment variable naming a folder with the four MNIST files, used when the property is unset. */
    public static final String ENV = "FLINT_MNIST_DIR";

    private Mnist() {
    }

    /** How pixel bytes {@code 0..255} become floats. */
    public enum Normalization {
        /** {@code byte / 255}, in {@code [0, 1]}: the default. */
        UNIT,
        /** {@code (byte / 255 - MEAN) / STD}: zero mean and unit variance over the MNIST training set. */
        STANDARD;

        /** The float for pixel byte {@code b} ({@code 0..255}). */
        public float apply(int b) {
            float unit = b / 255f;
            return this == UNIT ? unit : (unit - MEAN) / STD;
        }
    }

    /** The training and test parts. */
    public record Data(ByteImageDataset train, ByteImageDataset test) {
    }

    /** Loads the four files from {@code dir}, pixels scaled to {@code [0, 1]}. */
    public static Data load(Path dir) throws IOException {
        return load(dir, Normalization.UNIT);
    }

    /**
     * Loads the four standard files from {@code dir}: each named by its base name ({@link #TRAIN_IMAGES}
     * and so on), raw or with {@code .gz}.
     *
     * @throws NoSuchFileException listing the files that are missing
     * @throws CorruptFileException when a file is malformed or the parts disagree
     */
    public static Data load(Path dir, Normalization normalization) throws IOException {
        List<String> missing = new ArrayList<>();
        Path trainImages = locate(dir, TRAIN_IMAGES, missing);
        Path trainLabels = locate(dir, TRAIN_LABELS, missing);
        Path testImages = locate(dir, TEST_IMAGES, missing);
        Path testLabels = locate(dir, TEST_LABELS, missing);
        if (!missing.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null, "MNIST files missing: " + String.join(", ", missing)
                    + " (each may also end in .gz)");
        }
        ByteImageDataset train = read(trainImages, trainLabels, normalization);
        ByteImageDataset test = read(testImages, testLabels, normalization);
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            throw new CorruptFileException(testImages.getFileName().toString(), "images are " + test.rows() + "x"
                    + test.cols() + " but the training images are " + train.rows() + "x" + train.cols());
        }
        return new Data(train, test);
    }

    /**
     * Reads one part from an image file and a label file (each raw or gzip).
     *
     * @throws CorruptFileException when a file is malformed, the counts differ or a label is not a digit
     */
    public static ByteImageDataset read(Path images, Path labels, Normalization normalization) throws IOException {
        try (InputStream im = Files.newInputStream(images); InputStream lb = Files.newInputStream(labels)) {
            return read(im, String.valueOf(images.getFileName()), lb, String.valueOf(labels.getFileName()),
                    normalization);
        }
    }

    /** Same as {@link #read(Path, Path, Normalization)} from streams; the names appear in error messages. */
    public static ByteImageDataset read(InputStream images, String imagesName, InputStream labels, String labelsName,
                                        Normalization normalization) throws IOException {
        Idx.Images im = Idx.readImages(images, imagesName);
        byte[] lb = Idx.readLabels(labels, labelsName);
        if (im.count() != lb.length) {
            throw new CorruptFileException(labelsName, "has " + lb.length + " labels but " + imagesName + " has "
                    + im.count() + " images; they must match");
        }
        for (int i = 0; i < lb.length; i++) {
            if ((lb[i] & 0xff) >= CLASSES) {
                throw new CorruptFileException(labelsName, "label " + (lb[i] & 0xff) + " at index " + i
                        + " is not a digit 0-9");
            }
        }
        return new ByteImageDataset(im.pixels(), lb, CLASSES, im.rows(), im.cols(), normalization);
    }

    /**
     * Where the MNIST files are on this machine, if anywhere: the folder named by the system property
     * {@value #PROPERTY}, else by the environment variable {@value #ENV}, else the first
     * {@code shared/data/mnist} found in the working directory or one of its ancestors (so
     * {@code ../shared/data/mnist} from a checkout beside {@code shared/}, also from a module's folder).
     *
     * @return a folder holding all four files, or empty when none is configured or found
     * @throws IllegalStateException when the property or variable names a folder that lacks the files
     *     (a configuration the user made deserves an error rather than silence)
     */
    public static Optional<Path> findSharedData() {
        String configured = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            List<String> missing = missingFiles(dir);
            if (!missing.isEmpty()) {
                throw new IllegalStateException(source + " names " + dir.toAbsolutePath() + ", which lacks "
                        + String.join(", ", missing) + " (each may end in .gz)");
            }
            return Optional.of(dir);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data").resolve("mnist");
            if (Files.isDirectory(candidate) && missingFiles(candidate).isEmpty()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The standard base names of the four files not present in {@code dir}, raw or gzip. */
    static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String base : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS}) {
            locate(dir, base, missing);
        }
        return missing;
    }

    /** {@code dir/base}, else {@code dir/base.gz}; when neither exists adds {@code base} to {@code missing}. */
    private static Path locate(Path dir, String base, List<String> missing) {
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        missing.add(base);
        return null;
    }
}

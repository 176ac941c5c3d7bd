package dev.flint.data;

import static dev.flint.data.IdxTest.gzip;
import static dev.flint.data.IdxTest.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.io.CorruptFileException;
import dev.flint.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {
    @TempDir
    Path dir;

    private static byte[] images(int count, int rows, int cols) {
        byte[] px = new byte[count * rows * cols];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i % 256);
        }
        return idx(new int[] {Idx.IMAGES_MAGIC, count, rows, cols}, px);
    }

    private static byte[] labels(int... labels) {
        byte[] b = new byte[labels.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) labels[i];
        }
        return idx(new int[] {Idx.LABELS_MAGIC, b.length}, b);
    }

    /** A tiny MNIST folder: 5 training and 3 test images of 4x4; some files gzip, some raw. */
    private void writeFolder(byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels)
            throws IOException {
        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), gzip(trainImages));
        Files.write(dir.resolve(Mnist.TRAIN_LABELS), trainLabels);
        Files.write(dir.resolve(Mnist.TEST_IMAGES), testImages);
        Files.write(dir.resolve(Mnist.TEST_LABELS + ".gz"), gzip(testLabels));
    }

    @Test
    void loadsAFolderOfMixedRawAndGzipFiles() throws IOException {
        writeFolder(images(5, 4, 4), labels(5, 0, 4, 1, 9), images(3, 4, 4), labels(7, 2, 1));
        Mnist.Data data = Mnist.load(dir);
        assertEquals(5, data.train().size());
        assertEquals(3, data.test().size());
        assertEquals(Shape.of(1, 4, 4), data.train().sampleShape());
        assertEquals(10, data.train().numClasses());
        assertEquals(9, data.train().label(4));
        assertEquals(1, data.test().label(2));

        float[] x = new float[16];
        assertEquals(4, data.train().copySample(2, x, 0));
        // image 2 holds bytes 32..47
        assertEquals(32 / 255f, x[0]);
        assertEquals(47 / 255f, x[15]);
    }

    @Test
    void standardNormalizationUsesMnistMeanAndStd() throws IOException {
        writeFolder(images(5, 4, 4), labels(5, 0, 4, 1, 9), images(3, 4, 4), labels(7, 2, 1));
        Mnist.Data data = Mnist.load(dir, Mnist.Normalization.STANDARD);
        float[] x = new float[16];
        data.test().copySample(0, x, 0);
        assertEquals((0f - 0.1307f) / 0.3081f, x[0], 1e-6);
        assertEquals((15 / 255f - 0.1307f) / 0.3081f, x[15], 1e-6);
        assertEquals(1f, Mnist.Normalization.UNIT.apply(255));
        assertEquals((1f - 0.1307f) / 0.3081f, Mnist.Normalization.STANDARD.apply(255), 1e-6);
    }

    @Test
    void rejectsMismatchedCounts() throws IOException {
        writeFolder(images(5, 4, 4), labels(5, 0, 4, 1), images(3, 4, 4), labels(7, 2, 1));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Mnist.load(dir));
        assertEquals("train-labels-idx1-ubyte: has 4 labels but train-images-idx3-ubyte.gz has 5 images; "
                + "they must match", e.getMessage());
        assertEquals("train-labels-idx1-ubyte", e.file());
    }

    @Test
    void rejectsALabelThatIsNotADigit() throws IOException {
        writeFolder(images(5, 4, 4), labels(5, 0, 4, 1, 9), images(3, 4, 4), labels(7, 12, 1));
        assertEquals("t10k-labels-idx1-ubyte.gz: label 12 at index 1 is not a digit 0-9",
                assertThrows(CorruptFileException.class, () -> Mnist.load(dir)).getMessage());
    }

    @Test
    void rejectsTestImagesOfAnotherSize() throws IOException {
        writeFolder(images(5, 4, 4), labels(5, 0, 4, 1, 9), images(3, 4, 5), labels(7, 2, 1));
        assertEquals("t10k-images-idx3-ubyte: images are 4x5 but the training images are 4x4",
                assertThrows(CorruptFileException.class, () -> Mnist.load(dir)).getMessage());
    }

    @Test
    void namesTheMissingFiles() throws IOException {
        Files.write(dir.resolve(Mnist.TRAIN_IMAGES), images(1, 2, 2));
        Files.write(dir.resolve(Mnist.TEST_LABELS + ".gz"), gzip(labels(1)));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Mnist.load(dir));
        assertEquals(dir + ": MNIST files missing: train-labels-idx1-ubyte, t10k-images-idx3-ubyte "
                + "(each may also end in .gz)", e.getMessage());
    }

    @Test
    void propagatesAFileErrorWithTheFileName() throws IOException {
        byte[] truncated = java.util.Arrays.copyOf(images(5, 4, 4), 40);
        writeFolder(truncated, labels(5, 0, 4, 1, 9), images(3, 4, 4), labels(7, 2, 1));
        assertEquals("train-images-idx3-ubyte.gz: truncated: header says 5 images of 4x4 = 80 bytes, found 24 "
                + "(after decompression)", assertThrows(CorruptFileException.class, () -> Mnist.load(dir)).getMessage());
    }

    @Test
    void findSharedDataHonoursTheSystemProperty() throws IOException {
        writeFolder(images(5, 4, 4), labels(5, 0, 4, 1, 9), images(3, 4, 4), labels(7, 2, 1));
        String old = System.getProperty(Mnist.PROPERTY);
        try {
            System.setProperty(Mnist.PROPERTY, dir.toString());
            assertEquals(Optional.of(dir), Mnist.findSharedData());

            Path empty = Files.createDirectory(dir.resolve("empty"));
            System.setProperty(Mnist.PROPERTY, empty.toString());
            IllegalStateException e = assertThrows(IllegalStateException.class, Mnist::findSharedData);
            assertEquals("system property flint.mnist.dir names " + empty.toAbsolutePath() + ", which lacks "
                    + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                    + "t10k-labels-idx1-ubyte (each may end in .gz)", e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Mnist.PROPERTY);
            } else {
                System.setProperty(Mnist.PROPERTY, old);
            }
        }
    }

    @Test
    void findSharedDataFindsOnlyCompleteFolders() {
        // Whatever it finds (the shared data next to the checkout, or nothing), it is complete.
        Mnist.findSharedData().ifPresent(found -> assertTrue(Mnist.missingFiles(found).isEmpty(), found.toString()));
        assertEquals(java.util.List.of(Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS),
                Mnist.missingFiles(dir));
    }

    @Test
    void byteImageDatasetChecksItsArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ByteImageDataset(new byte[10], new byte[3], 10, 2, 2, Mnist.Normalization.UNIT));
        assertEquals("ByteImageDataset: 3 labels of 2x2 images need 12 pixels, got 10", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ByteImageDataset(new byte[4], new byte[] {(byte) 200}, 10, 2, 2, Mnist.Normalization.UNIT));
        assertEquals("ByteImageDataset: label 200 of image 0 is outside [0, 10)", e.getMessage());
        ByteImageDataset d = new ByteImageDataset(new byte[8], new byte[] {1, 2}, 10, 2, 2, Mnist.Normalization.UNIT);
        assertThrows(IndexOutOfBoundsException.class, () -> d.copySample(0, new float[5], 2));
        assertArrayEquals(new int[] {0, 1, 1, 0, 0, 0, 0, 0, 0, 0}, Datasets.classCounts(d));
    }
}

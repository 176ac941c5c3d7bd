package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flint.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class EmbeddedMnistTest {

    @Test
    void trainAndTestHaveBalancedClasses() {
        ByteImageDataset train = EmbeddedMnist.train();
        ByteImageDataset test = EmbeddedMnist.test();
        assertEquals(10_000, train.size());
        assertEquals(2_000, test.size());
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        int[] twoHundred = new int[10];
        Arrays.fill(twoHundred, 200);
        assertArrayEquals(thousand, Datasets.classCounts(train));
        assertArrayEquals(twoHundred, Datasets.classCounts(test));
        assertEquals(Shape.of(1, 28, 28), train.sampleShape());
        assertEquals(10, train.numClasses());
    }

    @Test
    void pixelsAreScaledToTheUnitInterval() {
        ByteImageDataset train = EmbeddedMnist.train();
        float[] x = new float[train.sampleSize()];
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        double sum = 0;
        for (int i = 0; i < train.size(); i += 97) {
            train.copySample(i, x, 0);
            for (float v : x) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        double mean = sum / ((train.size() + 96) / 97 * (double) x.length);
        // Digits cover about an eighth of the image; MNIST's mean is 0.1307.
        assertEquals(Mnist.MEAN, mean, 0.01);
    }

    @Test
    void isLoadedOncePerNormalization() {
        assertSame(EmbeddedMnist.train(), EmbeddedMnist.train());
        ByteImageDataset standard = EmbeddedMnist.load(Mnist.Normalization.STANDARD).train();
        assertEquals(Mnist.Normalization.STANDARD, standard.normalization());
        float[] a = new float[784];
        float[] b = new float[784];
        EmbeddedMnist.train().copySample(0, a, 0);
        standard.copySample(0, b, 0);
        assertNotEquals(a[0], b[0]);
        assertEquals((a[0] - Mnist.MEAN) / Mnist.STD, b[0], 1e-6);
    }

    /** The resources must keep the jar small (the issue asks for well under 10 MB). */
    @Test
    void resourcesStayUnderThreeMegabytes() throws IOException {
        long total = 0;
        for (String base : new String[] {Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS}) {
            try (InputStream in = EmbeddedMnist.class.getResourceAsStream(EmbeddedMnist.RESOURCE_DIR + base + ".gz")) {
                total += in.readAllBytes().length;
            }
        }
        assertTrue(total < 3_000_000, "embedded MNIST takes " + total + " bytes");
    }

    /** The resource is exactly what {@link MakeEmbeddedMnist} draws from full MNIST, where that is present. */
    @Test
    void equalsTheSubsetRegeneratedFromFullMnist() throws IOException {
        Optional<Path> full = Mnist.findSharedData();
        assumeTrue(full.isPresent(), "full MNIST not found (shared/data/mnist, -D" + Mnist.PROPERTY + ", "
                + Mnist.ENV + "); cannot regenerate the subset");
        assumeTrue(java.nio.file.Files.exists(full.get().resolve(Mnist.TRAIN_IMAGES + ".gz")),
                "the generator reads the .gz files");
        check(MakeEmbeddedMnist.train(full.get()), Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS);
        check(MakeEmbeddedMnist.test(full.get()), Mnist.TEST_IMAGES, Mnist.TEST_LABELS);
    }

    private static void check(MakeEmbeddedMnist.Part expected, String images, String labels) throws IOException {
        try (InputStream im = new GZIPInputStream(EmbeddedMnist.class.getResourceAsStream(
                EmbeddedMnist.RESOURCE_DIR + images + ".gz"));
             InputStream lb = new GZIPInputStream(EmbeddedMnist.class.getResourceAsStream(
                     EmbeddedMnist.RESOURCE_DIR + labels + ".gz"))) {
            Idx.Images actual = Idx.readImages(im, images);
            assertEquals(expected.images().count(), actual.count());
            assertArrayEquals(expected.images().pixels(), actual.pixels(), images);
            assertArrayEquals(expected.labels(), Idx.readLabels(lb, labels), labels);
        }
    }
}

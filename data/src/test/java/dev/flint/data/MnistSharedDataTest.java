package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flint.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the real MNIST files where they exist ({@code ../shared/data/mnist}, or the folder named by
 * {@code -Dflint.mnist.dir} / {@code FLINT_MNIST_DIR}); skips with the reason otherwise.
 */
class MnistSharedDataTest {
    private static Path dir;

    @BeforeAll
    static void locate() {
        Optional<Path> found = Mnist.findSharedData();
        assumeTrue(found.isPresent(), "MNIST not found: no shared/data/mnist beside the working directory or "
                + "its ancestors, and neither -D" + Mnist.PROPERTY + " nor " + Mnist.ENV + " is set");
        dir = found.get();
    }

    /** The published MD5s of the uncompressed files (as listed in shared/data/README.md). */
    @Test
    void filesHaveThePublishedChecksums() throws IOException {
        assertEquals("6bbc9ace898e44ae57da46a324031adb", md5(Mnist.TRAIN_IMAGES));
        assertEquals("a25bea736e30d166cdddb491f175f624", md5(Mnist.TRAIN_LABELS));
        assertEquals("2646ac647ad5339dbf082846283269ea", md5(Mnist.TEST_IMAGES));
        assertEquals("27ae3e4e09519cfbb04c329615203637", md5(Mnist.TEST_LABELS));
    }

    @Test
    void loadsSixtyThousandAndTenThousandImages() throws IOException {
        Mnist.Data data = Mnist.load(dir);
        assertEquals(60_000, data.train().size());
        assertEquals(10_000, data.test().size());
        assertEquals(Shape.of(1, 28, 28), data.train().sampleShape());
        // The well-known class frequencies of MNIST.
        assertArrayEquals(new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
                Datasets.classCounts(data.train()));
        assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
                Datasets.classCounts(data.test()));
        assertEquals(5, data.train().label(0));
        assertEquals(7, data.test().label(0));
    }

    /** The constants {@link Mnist#MEAN} and {@link Mnist#STD} are the training set's statistics. */
    @Test
    void meanAndStdMatchTheTrainingSet() throws IOException {
        ByteImageDataset train = Mnist.load(dir).train();
        float[] x = new float[train.sampleSize()];
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < train.size(); i++) {
            train.copySample(i, x, 0);
            for (float v : x) {
                sum += v;
                sumSq += (double) v * v;
            }
        }
        double n = (double) train.size() * x.length;
        double mean = sum / n;
        assertEquals(Mnist.MEAN, mean, 1e-4);
        assertEquals(Mnist.STD, Math.sqrt(sumSq / n - mean * mean), 1e-4);
    }

    private static String md5(String base) throws IOException {
        Path gz = dir.resolve(base + ".gz");
        Path file = Files.exists(gz) ? gz : dir.resolve(base);
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.equals(gz) ? new GZIPInputStream(raw) : raw) {
            MessageDigest md = MessageDigest.getInstance("MD5");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JDK", e);
        }
    }
}

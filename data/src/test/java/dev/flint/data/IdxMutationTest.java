package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flint.io.CorruptFileException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid IDX files (raw and gzip) at random and reads each: the reader must either succeed or
 * throw {@link CorruptFileException}, never an unchecked exception or an out-of-memory error from a
 * corrupt header.
 */
class IdxMutationTest {

    @Test
    void corruptImageAndLabelFilesFailOnlyWithCorruptFileException() throws IOException {
        byte[] pixels = new byte[4 * 5 * 3];
        Arrays.fill(pixels, (byte) 200);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Idx.writeImages(out, new Idx.Images(4, 5, 3, pixels));
        byte[] images = out.toByteArray();
        out.reset();
        Idx.writeLabels(out, new byte[] {1, 2, 3, 4});
        byte[] labels = out.toByteArray();
        byte[][] originals = {images, IdxTest.gzip(images), labels, IdxTest.gzip(labels)};

        SplittableRandom random = new SplittableRandom(99);
        int rejected = 0;
        for (int trial = 0; trial < 4000; trial++) {
            int which = trial % originals.length;
            byte[] bytes = mutate(originals[which], random);
            try {
                if (which < 2) {
                    Idx.readImages(new ByteArrayInputStream(bytes), "mutant");
                } else {
                    Idx.readLabels(new ByteArrayInputStream(bytes), "mutant");
                }
            } catch (CorruptFileException expected) {
                rejected++;
            } catch (Throwable t) {
                fail("trial " + trial + " (file " + which + "): " + t + " for bytes " + Arrays.toString(bytes), t);
            }
        }
        assertTrue(rejected > 2000, rejected + " of 4000 mutants rejected");
    }

    private static byte[] mutate(byte[] original, SplittableRandom random) {
        byte[] b = original.clone();
        switch (random.nextInt(3)) {
            case 0 -> {
                // Mostly the header: that is where sizes come from.
                int at = random.nextInt(Math.min(b.length, random.nextBoolean() ? 16 : b.length));
                b[at] = (byte) random.nextInt(256);
            }
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            default -> {
                b = Arrays.copyOf(b, b.length + 1 + random.nextInt(8));
            }
        }
        return b;
    }
}

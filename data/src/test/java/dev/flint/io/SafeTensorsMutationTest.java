package dev.flint.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates a valid file at random (flipped bytes, truncation, garbage appended, header digits changed)
 * and reads each result: the reader must either succeed or throw {@link CorruptFileException}, never an
 * unchecked exception or an out-of-memory error from trusting a corrupt size.
 */
class SafeTensorsMutationTest {
    @TempDir
    Path dir;

    @Test
    void corruptFilesFailOnlyWithCorruptFileException() throws IOException {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("a", HostTensor.ofFloats(new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}));
        tensors.put("b", HostTensor.ofInts(new int[] {2}, new int[] {7, 8}));
        tensors.put("c", HostTensor.ofFloats(new int[] {}, new float[] {9}));
        Path valid = dir.resolve("valid.safetensors");
        SafeTensors.writeHost(valid, tensors, Map.of("k", "v"));
        byte[] original = Files.readAllBytes(valid);

        // Each trial writes a file, which is slow on some disks: 600 keep the test at a few seconds.
        SplittableRandom random = new SplittableRandom(2024);
        Path file = dir.resolve("mutant.safetensors");
        int rejected = 0;
        for (int trial = 0; trial < 600; trial++) {
            byte[] bytes = mutate(original, random);
            Files.write(file, bytes);
            try {
                SafeTensors.readHost(file);
            } catch (CorruptFileException expected) {
                rejected++;
            } catch (Throwable t) {
                fail("trial " + trial + ": " + t + " for bytes " + Arrays.toString(bytes), t);
            }
        }
        // Most mutations break the file; a few (a changed value byte, padding) leave it valid.
        assertTrue(rejected > 300, rejected + " of 600 mutants rejected");
    }

    static byte[] mutate(byte[] original, SplittableRandom random) {
        byte[] b = original.clone();
        switch (random.nextInt(5)) {
            case 0 -> b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            case 2 -> {
                byte[] longer = Arrays.copyOf(b, b.length + 1 + random.nextInt(16));
                for (int i = b.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                b = longer;
            }
            case 3 -> {
                // A digit of the JSON header changed: shapes, offsets and lengths disagree subtly.
                int[] digits = new int[b.length];
                int n = 0;
                for (int i = 8; i < b.length; i++) {
                    if (b[i] >= '0' && b[i] <= '9') {
                        digits[n++] = i;
                    }
                }
                b[digits[random.nextInt(n)]] = (byte) ('0' + random.nextInt(10));
            }
            default -> {
                // One of the 8 length bytes changed.
                b[random.nextInt(8)] = (byte) random.nextInt(256);
            }
        }
        return b;
    }
}

package dev.flint.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.DType;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenWindowsTest {
    private static final Backend BACKEND = Backends.get("reference");

    private static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    @Test
    void targetsAreTheInputsShiftedByOne() {
        TokenWindows w = new TokenWindows(range(10), 4);
        assertEquals(6, w.size());   // offsets 0..5, as torch.randint(len(data) - block_size)
        try (TokenBatch b = w.batch(new int[] {9, 5, 0}, 1, 2, BACKEND)) {
            assertEquals(Shape.of(2, 4), b.inputs().shape());
            assertEquals(DType.INT32, b.inputs().dtype());
            assertArrayEquals(new int[] {5, 6, 7, 8, 0, 1, 2, 3}, b.inputs().toIntArray());
            assertArrayEquals(new int[] {6, 7, 8, 9, 1, 2, 3, 4}, b.targets().toIntArray());
            assertEquals(2, b.size());
            assertEquals(4, b.context());
        }
    }

    @Test
    void randomBatchesReachEveryOffsetAndRepeatWithTheSeed() {
        TokenWindows w = new TokenWindows(range(20), 3);
        boolean[] seen = new boolean[w.size()];
        int[] first;
        try (TokenBatch b = w.randomBatch(200, new Rng(7), BACKEND)) {
            int[] x = b.inputs().toIntArray();
            first = x;
            for (int i = 0; i < 200; i++) {
                seen[x[3 * i]] = true;
                assertTrue(x[3 * i] < w.size());
            }
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
        try (TokenBatch b = w.randomBatch(200, new Rng(7), BACKEND)) {
            assertArrayEquals(first, b.inputs().toIntArray());
        }
    }

    @Test
    void splitCutsAtTheFractionWithoutOverlap() {
        TokenWindows.Split s = TokenWindows.split(range(100), 5, 0.9);
        assertEquals(90, s.train().tokenCount());
        assertEquals(10, s.validation().tokenCount());
        assertEquals(89, s.train().token(89));
        assertEquals(90, s.validation().token(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenWindows.split(range(100), 10, 0.9));
        assertTrue(e.getMessage().contains("10 for validation"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.split(range(100), 5, 1.0));
    }

    @Test
    void evenlySpacedOffsetsCoverTheText() {
        TokenWindows w = new TokenWindows(range(105), 5);
        assertArrayEquals(new int[] {0, 25, 50, 75}, w.evenlySpacedOffsets(4));
    }

    @Test
    void badOffsetsAreNamed() {
        TokenWindows w = new TokenWindows(range(10), 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.batch(new int[] {0, 6}, 0, 2, BACKEND));
        assertTrue(e.getMessage().contains("offset 6 (index 1) is outside [0, 6)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.batch(new int[] {0}, 0, 2, BACKEND));
        assertThrows(IllegalArgumentException.class, () -> new TokenWindows(range(4), 4));
        assertThrows(IllegalArgumentException.class, () -> new TokenWindows(range(4), 0));
    }

    @Test
    void textFilesAreReadStrictlyAsUtf8(@TempDir Path dir) throws IOException {
        Path plain = dir.resolve("a.txt");
        Files.writeString(plain, "caf\u00e9\n", StandardCharsets.UTF_8);
        assertEquals("caf\u00e9\n", TextCorpus.read(plain));
        Path gz = dir.resolve("a.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("hello".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("hello", TextCorpus.read(gz));
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9});
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TextCorpus.read(latin1));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        e = assertThrows(UncheckedIOException.class, () -> TextCorpus.read(dir.resolve("missing.txt")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}

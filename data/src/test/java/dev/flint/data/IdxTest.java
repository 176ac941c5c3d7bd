package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.io.CorruptFileException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    /** Big-endian ints followed by {@code tail}: an IDX file as the bytes on disk. */
    static byte[] idx(int[] header, byte[] tail) {
        ByteBuffer b = ByteBuffer.allocate(4 * header.length + tail.length);
        for (int h : header) {
            b.putInt(h);
        }
        return b.put(tail).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] pixels(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 37);
        }
        return p;
    }

    private String imagesError(byte[] content) throws IOException {
        Path p = file("train-images-idx3-ubyte", content);
        return assertThrows(CorruptFileException.class, () -> Idx.readImages(p)).getMessage();
    }

    private String labelsError(byte[] content) throws IOException {
        Path p = file("train-labels-idx1-ubyte", content);
        return assertThrows(CorruptFileException.class, () -> Idx.readLabels(p)).getMessage();
    }

    @Test
    void readsRawAndGzipImagesAlike() throws IOException {
        byte[] raw = idx(new int[] {Idx.IMAGES_MAGIC, 3, 2, 4}, pixels(24));
        Idx.Images a = Idx.readImages(file("a", raw));
        Idx.Images b = Idx.readImages(file("b.gz", gzip(raw)));
        // gzip is detected from the content, not the name
        Idx.Images c = Idx.readImages(file("c", gzip(raw)));
        for (Idx.Images im : new Idx.Images[] {a, b, c}) {
            assertEquals(3, im.count());
            assertEquals(2, im.rows());
            assertEquals(4, im.cols());
            assertArrayEquals(pixels(24), im.pixels());
        }
    }

    @Test
    void readsLabels() throws IOException {
        byte[] labels = {7, 2, 1, 0, 4};
        assertArrayEquals(labels, Idx.readLabels(file("l.gz", gzip(idx(new int[] {Idx.LABELS_MAGIC, 5}, labels)))));
    }

    @Test
    void writeThenReadGivesTheSameImages() throws IOException {
        Idx.Images images = new Idx.Images(2, 3, 3, pixels(18));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Idx.writeImages(out, images);
        assertArrayEquals(idx(new int[] {0x803, 2, 3, 3}, pixels(18)), out.toByteArray());
        out.reset();
        Idx.writeLabels(out, new byte[] {1, 2});
        assertArrayEquals(idx(new int[] {0x801, 2}, new byte[] {1, 2}), out.toByteArray());
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        assertEquals("train-images-idx3-ubyte: empty file (0 bytes); expected an IDX header", imagesError(new byte[0]));
        assertEquals("train-images-idx3-ubyte: empty after decompression (0 bytes); expected an IDX image file "
                + "(magic 0x00000803)", imagesError(gzip(new byte[0])));
    }

    @Test
    void rejectsABadMagic() throws IOException {
        assertEquals("train-images-idx3-ubyte: bad magic number 0x12345678, expected 0x00000803 (IDX image file: "
                + "unsigned bytes, 3 dimensions: images, rows, columns)",
                imagesError(idx(new int[] {0x12345678, 1, 1, 1}, new byte[1])));
        assertEquals("train-images-idx3-ubyte: bad magic number 0x00000d03, expected 0x00000803 (IDX image file: "
                + "unsigned bytes, 3 dimensions: images, rows, columns); element type 0x0d is not unsigned bytes (0x08)",
                imagesError(idx(new int[] {0x00000d03, 1, 1, 1}, new byte[4])));
    }

    @Test
    void rejectsSwappedFiles() throws IOException {
        assertEquals("train-images-idx3-ubyte: bad magic number 0x00000801, expected 0x00000803 (IDX image file: "
                + "unsigned bytes, 3 dimensions: images, rows, columns); this file has 1 dimension, like an IDX "
                + "label file: were images and labels swapped?",
                imagesError(idx(new int[] {Idx.LABELS_MAGIC, 2}, new byte[2])));
        assertEquals("train-labels-idx1-ubyte: bad magic number 0x00000803, expected 0x00000801 (IDX label file: "
                + "unsigned bytes, 1 dimension: labels); this file has 3 dimensions, like an IDX image file: "
                + "were images and labels swapped?",
                labelsError(idx(new int[] {Idx.IMAGES_MAGIC, 1, 1, 1}, new byte[1])));
    }

    @Test
    void rejectsTheWrongNumberOfDimensions() throws IOException {
        assertEquals("train-images-idx3-ubyte: bad magic number 0x00000802, expected 0x00000803 (IDX image file: "
                + "unsigned bytes, 3 dimensions: images, rows, columns); this file has 2 dimensions",
                imagesError(idx(new int[] {0x00000802, 4, 784}, new byte[4 * 784])));
    }

    @Test
    void rejectsBadDimensionSizes() throws IOException {
        assertEquals("train-images-idx3-ubyte: header says images of 0x28; rows and columns must be positive",
                imagesError(idx(new int[] {Idx.IMAGES_MAGIC, 1, 0, 28}, new byte[0])));
        assertEquals("train-images-idx3-ubyte: header gives dimension 0 (of images, rows, columns) as 4294967295, "
                + "beyond what IDX files hold (2^31 - 1)",
                imagesError(idx(new int[] {Idx.IMAGES_MAGIC, -1, 28, 28}, new byte[0])));
        assertEquals("train-images-idx3-ubyte: header says 60000 images of 28000x28000 = 47040000000000 bytes, "
                + "more than one Java array holds",
                imagesError(idx(new int[] {Idx.IMAGES_MAGIC, 60000, 28000, 28000}, new byte[0])));
    }

    @Test
    void rejectsATruncatedHeader() throws IOException {
        assertEquals("train-images-idx3-ubyte: truncated header: expected a 4-byte magic number, found 3 bytes",
                imagesError(new byte[] {0, 0, 8}));
        byte[] cut = Arrays.copyOf(idx(new int[] {Idx.IMAGES_MAGIC, 1, 28, 28}, new byte[0]), 10);
        assertEquals("train-images-idx3-ubyte: truncated header: expected 16 bytes (magic and 3 sizes), found 10",
                imagesError(cut));
    }

    @Test
    void rejectsTruncatedImagesWithTheCounts() throws IOException {
        byte[] raw = idx(new int[] {Idx.IMAGES_MAGIC, 60000, 28, 28}, pixels(1234));
        assertEquals("train-images-idx3-ubyte: truncated: header says 60000 images of 28x28 = 47040000 bytes, "
                + "found 1234", imagesError(raw));
        assertEquals("train-images-idx3-ubyte: truncated: header says 60000 images of 28x28 = 47040000 bytes, "
                + "found 1234 (after decompression)", imagesError(gzip(raw)));
    }

    @Test
    void rejectsAGzipStreamCutShort() throws IOException {
        byte[] gz = gzip(idx(new int[] {Idx.IMAGES_MAGIC, 10, 28, 28}, pixels(7840)));
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        String message = imagesError(cut);
        // How much decompresses before the cut depends on zlib's buffering; the message still says truncated.
        assertTrue(message.startsWith("train-images-idx3-ubyte: truncated: header says 10 images of 28x28 "
                + "= 7840 bytes, found "), message);
    }

    @Test
    void rejectsCorruptGzipData() throws IOException {
        byte[] gz = gzip(idx(new int[] {Idx.IMAGES_MAGIC, 10, 28, 28}, pixels(7840)));
        // The first deflate byte follows the 10-byte gzip header; block type 3 is reserved, hence invalid.
        gz[10] = 0x07;
        assertEquals("train-images-idx3-ubyte: corrupt gzip data: invalid block type", imagesError(gz));
    }

    @Test
    void rejectsABrokenGzipHeader() throws IOException {
        assertEquals("train-images-idx3-ubyte: truncated gzip header: the file starts like gzip (1f 8b) but ends "
                + "within the 10-byte header", imagesError(new byte[] {0x1f, (byte) 0x8b, 8}));
        assertEquals("train-images-idx3-ubyte: broken gzip header: Unsupported compression method",
                imagesError(new byte[] {0x1f, (byte) 0x8b, 9, 0, 0, 0, 0, 0, 0, 0, 0}));
    }

    @Test
    void rejectsTruncatedLabels() throws IOException {
        assertEquals("train-labels-idx1-ubyte: truncated: header says 60000 labels = 60000 bytes, found 3",
                labelsError(idx(new int[] {Idx.LABELS_MAGIC, 60000}, new byte[] {1, 2, 3})));
    }

    @Test
    void rejectsBytesAfterTheData() throws IOException {
        assertEquals("train-labels-idx1-ubyte: header says 2 labels = 2 bytes, but 3 more bytes follow; the header "
                + "and the data disagree", labelsError(idx(new int[] {Idx.LABELS_MAGIC, 2}, new byte[5])));
        assertEquals("train-images-idx3-ubyte: header says 1 images of 2x2 = 4 bytes, but 1 more bytes follow; the "
                + "header and the data disagree", imagesError(gzip(idx(new int[] {Idx.IMAGES_MAGIC, 1, 2, 2}, new byte[5]))));
    }

    @Test
    void acceptsZeroImages() throws IOException {
        Idx.Images im = Idx.readImages(file("empty-set", idx(new int[] {Idx.IMAGES_MAGIC, 0, 28, 28}, new byte[0])));
        assertEquals(0, im.count());
        assertEquals(784, im.imageSize());
    }
}

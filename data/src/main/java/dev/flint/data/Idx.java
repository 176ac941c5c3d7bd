package dev.flint.data;

import dev.flint.io.CorruptFileException;
import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX files MNIST is distributed in, raw or gzip-compressed (detected from the
 * gzip magic bytes {@code 1f 8b}, not from the file name). Layout: a big-endian int32 magic
 * {@code 0x000008DD} (two zero bytes, element type 0x08 = unsigned byte, {@code DD} dimensions), one
 * big-endian int32 per dimension, then the elements.
 *
 * <pre>{@code
 * Idx.Images images = Idx.readImages(Path.of("train-images-idx3-ubyte.gz"));   // 60000 x 28 x 28
 * byte[] labels = Idx.readLabels(Path.of("train-labels-idx1-ubyte.gz"));
 * }</pre>
 *
 * <p>Reading is strict: a wrong magic, a wrong number of dimensions, a negative size, a truncated
 * body, bytes after the body or a broken gzip stream each throw a {@link CorruptFileException} whose
 * message names the file and gives the expected and the found numbers.
 */
public final class Idx {
    /** Magic of an image file: unsigned bytes, 3 dimensions (images, rows, columns). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic of a label file: unsigned bytes, 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int UNSIGNED_BYTE = 0x08;
    /**
     * First size of the body array; it doubles up to the header's size while data keeps coming, so
     * memory follows the bytes actually present (at most twice them), never the header's claim.
     */
    private static final int INITIAL_BODY_BYTES = 1 << 16;

    private Idx() {
    }

    /**
     * Images as stored: {@code count} images of {@code rows x cols} unsigned bytes, row-major, image
     * after image. The array is shared, not copied.
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /** Checks that {@code pixels} holds exactly {@code count * rows * cols} bytes. */
        public Images {
            if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols != pixels.length) {
                throw new IllegalArgumentException("Idx.Images: " + count + " images of " + rows + "x" + cols
                        + " need " + (long) count * rows * cols + " bytes, got " + pixels.length);
            }
        }

        /** Pixels per image. */
        public int imageSize() {
            return rows * cols;
        }
    }

    /** Reads an image file ({@value #IMAGES_MAGIC} magic), raw or gzip-compressed. */
    public static Images readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, String.valueOf(file.getFileName()));
        }
    }

    /** Reads a label file ({@value #LABELS_MAGIC} magic), raw or gzip-compressed. */
    public static byte[] readLabels(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, String.valueOf(file.getFileName()));
        }
    }

    /**
     * Reads an image file from {@code in}; {@code name} names the source in error messages. Does not
     * close {@code in}.
     */
    public static Images readImages(InputStream in, String name) throws IOException {
        Reader r = new Reader(in, name);
        int[] dims = r.header(IMAGES_MAGIC, "image", "images, rows, columns");
        int count = dims[0];
        int rows = dims[1];
        int cols = dims[2];
        if (rows <= 0 || cols <= 0) {
            throw new CorruptFileException(name, "header says images of " + rows + "x" + cols
                    + "; rows and columns must be positive");
        }
        // Three int factors can overflow even a long (2^31 cubed): exact arithmetic for the check, which
        // a fuzzed header (11,993,088 images of 5,851,904 x 131,072,139) once slipped past as a wrap-around.
        BigInteger exact = BigInteger.valueOf(count).multiply(BigInteger.valueOf(rows))
                .multiply(BigInteger.valueOf(cols));
        if (exact.compareTo(BigInteger.valueOf(Integer.MAX_VALUE - 8)) > 0) {
            throw new CorruptFileException(name, "header says " + count + " images of " + rows + "x" + cols
                    + " = " + exact + " bytes, more than one Java array holds");
        }
        long bytes = exact.longValueExact();
        byte[] pixels = r.body((int) bytes, "header says " + count + " images of " + rows + "x" + cols
                + " = " + bytes + " bytes");
        return new Images(count, rows, cols, pixels);
    }

    /**
     * Reads a label file from {@code in}; {@code name} names the source in error messages. Does not
     * close {@code in}.
     */
    public static byte[] readLabels(InputStream in, String name) throws IOException {
        Reader r = new Reader(in, name);
        int count = r.header(LABELS_MAGIC, "label", "labels")[0];
        return r.body(count, "header says " + count + " labels = " + count + " bytes");
    }

    /** Writes {@code images} as an uncompressed IDX image file (wrap {@code out} in gzip to compress). */
    public static void writeImages(OutputStream out, Images images) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(IMAGES_MAGIC);
        d.writeInt(images.count());
        d.writeInt(images.rows());
        d.writeInt(images.cols());
        d.write(images.pixels());
        d.flush();
    }

    /** Writes {@code labels} as an uncompressed IDX label file. */
    public static void writeLabels(OutputStream out, byte[] labels) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(LABELS_MAGIC);
        d.writeInt(labels.length);
        d.write(labels);
        d.flush();
    }

    /** One pass over one file: gzip detection, header, body, and the check that nothing follows. */
    private static final class Reader {
        private final String name;
        private final boolean gzip;
        private InputStream in;

        Reader(InputStream raw, String name) throws IOException {
            this.name = name;
            BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
            buffered.mark(2);
            int b0 = buffered.read();
            int b1 = buffered.read();
            buffered.reset();
            if (b0 < 0) {
                throw new CorruptFileException(name, "empty file (0 bytes); expected an IDX header");
            }
            gzip = b0 == 0x1f && b1 == 0x8b;
            if (gzip) {
                try {
                    in = new GZIPInputStream(buffered, 1 << 16);
                } catch (EOFException e) {
                    throw new CorruptFileException(name, "truncated gzip header: the file starts like gzip "
                            + "(1f 8b) but ends within the 10-byte header", e);
                } catch (ZipException e) {
                    throw new CorruptFileException(name, "broken gzip header: " + e.getMessage(), e);
                }
            } else {
                in = buffered;
            }
        }

        /** Reads the magic and the dimensions; returns the dimensions. */
        int[] header(int expectedMagic, String kind, String dimNames) throws IOException {
            byte[] magicBytes = new byte[4];
            int got = readUpTo(magicBytes, 0, 4);
            if (got == 0) {
                throw new CorruptFileException(name, "empty " + (gzip ? "after decompression" : "file")
                        + " (0 bytes); expected an IDX " + kind + " file (magic " + hex(expectedMagic) + ")");
            }
            if (got < 4) {
                throw new CorruptFileException(name, "truncated header: expected a 4-byte magic number, found "
                        + got + " bytes");
            }
            int magic = bigEndian(magicBytes, 0);
            int expectedDims = expectedMagic & 0xff;
            if (magic != expectedMagic) {
                String found = "bad magic number " + hex(magic) + ", expected " + hex(expectedMagic)
                        + " (IDX " + kind + " file: unsigned bytes, " + expectedDims + " dimension"
                        + (expectedDims == 1 ? "" : "s") + ": " + dimNames + ")";
                if ((magic >>> 16) == 0 && ((magic >>> 8) & 0xff) == UNSIGNED_BYTE) {
                    found += "; this file has " + (magic & 0xff) + " dimension" + ((magic & 0xff) == 1 ? "" : "s");
                    if (magic == IMAGES_MAGIC || magic == LABELS_MAGIC) {
                        found += ", like an IDX " + (magic == IMAGES_MAGIC ? "image" : "label")
                                + " file: were images and labels swapped?";
                    }
                } else if ((magic >>> 16) == 0) {
                    found += "; element type 0x" + String.format("%02x", (magic >>> 8) & 0xff)
                            + " is not unsigned bytes (0x08)";
                } else if (!gzip && (magicBytes[0] & 0xff) == 0x50 && (magicBytes[1] & 0xff) == 0x4b) {
                    found += "; this looks like a zip archive, not gzip";
                }
                throw new CorruptFileException(name, found);
            }
            byte[] dimBytes = new byte[4 * expectedDims];
            got = readUpTo(dimBytes, 0, dimBytes.length);
            if (got < dimBytes.length) {
                throw new CorruptFileException(name, "truncated header: expected " + (4 + dimBytes.length)
                        + " bytes (magic and " + expectedDims + " sizes), found " + (4 + got));
            }
            int[] dims = new int[expectedDims];
            for (int i = 0; i < expectedDims; i++) {
                dims[i] = bigEndian(dimBytes, 4 * i);
                if (dims[i] < 0) {
                    throw new CorruptFileException(name, "header gives dimension " + i + " (of " + dimNames
                            + ") as " + Integer.toUnsignedString(dims[i]) + ", beyond what IDX files hold (2^31 - 1)");
                }
            }
            return dims;
        }

        /** Reads exactly {@code length} body bytes and checks that the file ends there. */
        byte[] body(int length, String expectation) throws IOException {
            // Grow the array as data arrives rather than trusting the header's size up front: a corrupt
            // header must not make us allocate gigabytes for a file of a few bytes.
            byte[] data = new byte[Math.min(length, INITIAL_BODY_BYTES)];
            int got = 0;
            while (true) {
                got += readUpTo(data, got, data.length - got);
                if (got < data.length || data.length == length) {
                    break;
                }
                data = Arrays.copyOf(data, (int) Math.min(length, 2L * data.length));
            }
            if (got < length) {
                throw new CorruptFileException(name, "truncated: " + expectation + ", found " + got
                        + (gzip ? " (after decompression)" : ""));
            }
            long extra = 0;
            byte[] scratch = new byte[8192];
            for (int r; (r = readUpTo(scratch, 0, scratch.length)) > 0; ) {
                extra += r;
            }
            if (extra > 0) {
                throw new CorruptFileException(name, expectation + ", but " + extra
                        + " more bytes follow; the header and the data disagree");
            }
            return data;
        }

        /** Reads until {@code length} bytes or the end; a gzip stream that breaks off counts as the end. */
        private int readUpTo(byte[] buf, int offset, int length) throws IOException {
            int total = 0;
            while (total < length) {
                int r;
                try {
                    r = in.read(buf, offset + total, length - total);
                } catch (EOFException e) {
                    // GZIPInputStream reports a stream cut off mid-way as EOF: the data is truncated.
                    return total;
                } catch (ZipException e) {
                    throw new CorruptFileException(name, "corrupt gzip data: " + e.getMessage(), e);
                }
                if (r < 0) {
                    break;
                }
                total += r;
            }
            return total;
        }
    }

    private static int bigEndian(byte[] b, int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }
}

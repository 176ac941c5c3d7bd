package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flint.io.FuzzChecks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes the IDX reader with Jazzer: raw bytes as an image file and as a label file (gzip seeds in the
 * corpus reach the gzip path, with their checksums mostly broken by mutation), and arbitrary content
 * gzip-compressed correctly and then cut at an arbitrary byte, so the decompressed path sees every
 * header too. In a normal build this replays the committed corpus ({@code
 * src/test/resources/dev/flint/data/IdxFuzzTestInputs/}); {@code scripts/fuzz.sh} runs the long
 * campaigns.
 *
 * <p>For every input: the only exception is {@link dev.flint.io.CorruptFileException}, memory follows
 * the bytes present ({@link FuzzChecks}), and what is accepted matches its header.
 */
class IdxFuzzTest {
    /** Inputs of one campaign; a normal build only replays the corpus. */
    static final long CAMPAIGN_INPUTS = 1_000_000;

    @FuzzTest(maxExecutions = CAMPAIGN_INPUTS, maxDuration = "4h")
    void readImages(byte[] file) {
        FuzzChecks.read("idx images", presentBytes(file), () -> checkImages(file));
    }

    @FuzzTest(maxExecutions = CAMPAIGN_INPUTS, maxDuration = "4h")
    void readLabels(byte[] file) {
        FuzzChecks.read("idx labels", presentBytes(file), () -> checkLabels(file));
    }

    @FuzzTest(maxExecutions = CAMPAIGN_INPUTS, maxDuration = "4h")
    void readGzipped(FuzzedDataProvider data) {
        boolean images = data.consumeBoolean();
        int cut = data.consumeInt(0, Integer.MAX_VALUE);
        byte[] content = data.consumeRemainingAsBytes();
        byte[] gz = gzip(content);
        byte[] file = cut % 4 == 0 ? Arrays.copyOf(gz, cut / 4 % (gz.length + 1)) : gz;
        FuzzChecks.read("idx gzip", presentBytes(file), () -> {
            if (images) {
                checkImages(file);
            } else {
                checkLabels(file);
            }
        });
    }

    private static void checkImages(byte[] file) throws IOException {
        Idx.Images im = Idx.readImages(new ByteArrayInputStream(file), "fuzz-images");
        assertEquals((long) im.count() * im.rows() * im.cols(), im.pixels().length);
    }

    private static void checkLabels(byte[] file) throws IOException {
        byte[] labels = Idx.readLabels(new ByteArrayInputStream(file), "fuzz-labels");
        byte[] raw = decompressedPrefix(file, 8);
        int count = (raw[4] & 0xff) << 24 | (raw[5] & 0xff) << 16 | (raw[6] & 0xff) << 8 | (raw[7] & 0xff);
        assertEquals(count, labels.length);
    }

    /** The bytes the reader can see: the file itself, or what decompresses from it before any error. */
    static long presentBytes(byte[] file) {
        if (file.length < 2 || (file[0] & 0xff) != 0x1f || (file[1] & 0xff) != 0x8b) {
            return file.length;
        }
        long n = 0;
        byte[] buf = new byte[8192];
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        } catch (IOException brokenOrTruncated) {
            // Counted up to the break: the reader cannot see further either.
        }
        return Math.max(n, file.length);
    }

    private static byte[] decompressedPrefix(byte[] file, int length) throws IOException {
        if ((file[0] & 0xff) != 0x1f || (file[1] & 0xff) != 0x8b) {
            return Arrays.copyOf(file, length);
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            return in.readNBytes(length);
        }
    }

    static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

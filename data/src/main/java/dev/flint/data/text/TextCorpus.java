package dev.flint.data.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Text to train a language model on: the King James Bible embedded in the jar (public domain, 4.2 MB
 * of ASCII; {@code src/main/resources/dev/flint/data/text/README.md} says where it comes from and how
 * to reproduce it), or any UTF-8 file, gzip-compressed or not.
 *
 * <pre>{@code
 * String bible = TextCorpus.kingJamesBible();              // "Genesis 1\n\n1 In the beginning ..."
 * String mine = TextCorpus.read(Path.of("input.txt"));     // e.g. nanoGPT's tiny Shakespeare
 * }</pre>
 */
public final class TextCorpus {
    /** Class-path location of the embedded corpus. */
    static final String KJV_RESOURCE = "/dev/flint/data/text/kjv.txt.gz";
    /** Length in characters of the embedded corpus (its README gives the SHA-256). */
    public static final int KJV_LENGTH = 4_236_034;

    private static String kjv;

    private TextCorpus() {
    }

    /** The King James Bible, one verse a line with a heading line per chapter; read once and cached. */
    public static synchronized String kingJamesBible() {
        if (kjv == null) {
            try (InputStream raw = TextCorpus.class.getResourceAsStream(KJV_RESOURCE)) {
                if (raw == null) {
                    throw new IllegalStateException("TextCorpus: " + KJV_RESOURCE + " is not on the class path "
                            + "(flint-data's jar should contain it)");
                }
                kjv = decode(new GZIPInputStream(raw).readAllBytes(), KJV_RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException("TextCorpus: cannot read " + KJV_RESOURCE + ": " + e.getMessage(), e);
            }
        }
        return kjv;
    }

    /**
     * The text of {@code file}, UTF-8, decompressed first when its name ends in {@code .gz}.
     *
     * @throws UncheckedIOException naming the file when it is missing, unreadable, not valid UTF-8 or empty
     */
    public static String read(Path file) {
        try {
            byte[] bytes;
            if (file.getFileName().toString().endsWith(".gz")) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    in.transferTo(out);
                    bytes = out.toByteArray();
                }
            } else {
                bytes = Files.readAllBytes(file);
            }
            String text = decode(bytes, file.toString());
            if (text.isEmpty()) {
                throw new IOException("the file is empty; a language model needs text to learn from");
            }
            return text;
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("text file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read text file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String decode(byte[] bytes, String where) throws IOException {
        try {
            // Strict: a Latin-1 or binary file read as UTF-8 would silently become replacement characters.
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(where + " is not valid UTF-8 text (" + e + ")", e);
        }
    }
}

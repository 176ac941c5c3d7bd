package dev.flint.data.text;

import java.util.Arrays;
import java.util.Objects;

/**
 * One token per character (Unicode code point), as nanoGPT's character-level Shakespeare: the
 * vocabulary is the text's distinct characters in ascending order ({@code sorted(set(text))}), and a
 * character's token is its rank. The vocabulary is a string, so a model's checkpoint can carry it and
 * {@link #of(String)} rebuild the same tokenizer.
 *
 * <pre>{@code
 * CharTokenizer tok = CharTokenizer.fit("hello world");   // vocabulary " dehlorw"
 * int[] ids = tok.encode("hold");                         // [3, 5, 4, 1]
 * String back = tok.decode(ids);                          // "hold"
 * }</pre>
 *
 * <p>Immutable; safe to share between threads.
 */
public final class CharTokenizer {
    private final int[] codePoints;   // sorted ascending; token i is codePoints[i]
    private final String vocabulary;

    private CharTokenizer(int[] sortedDistinct) {
        this.codePoints = sortedDistinct;
        this.vocabulary = new String(sortedDistinct, 0, sortedDistinct.length);
    }

    /**
     * The tokenizer of {@code text}'s distinct characters.
     *
     * @throws IllegalArgumentException when the text is empty
     */
    public static CharTokenizer fit(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("CharTokenizer.fit: the text is empty, so there is no vocabulary");
        }
        return new CharTokenizer(text.codePoints().distinct().sorted().toArray());
    }

    /**
     * The tokenizer whose vocabulary is {@code vocabulary} (as returned by {@link #vocabulary()}).
     *
     * @throws IllegalArgumentException when the characters are not distinct and ascending
     */
    public static CharTokenizer of(String vocabulary) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        int[] cps = vocabulary.codePoints().toArray();
        if (cps.length == 0) {
            throw new IllegalArgumentException("CharTokenizer.of: the vocabulary is empty");
        }
        for (int i = 1; i < cps.length; i++) {
            if (cps[i] <= cps[i - 1]) {
                throw new IllegalArgumentException("CharTokenizer.of: the vocabulary must list distinct characters in "
                        + "ascending order, but " + describe(cps[i]) + " at position " + i + " follows "
                        + describe(cps[i - 1]));
            }
        }
        return new CharTokenizer(cps);
    }

    /** Number of tokens. */
    public int vocabSize() {
        return codePoints.length;
    }

    /** The vocabulary: every character once, token 0 first. */
    public String vocabulary() {
        return vocabulary;
    }

    /** Whether every character of {@code text} is in the vocabulary. */
    public boolean canEncode(String text) {
        return text.codePoints().allMatch(cp -> Arrays.binarySearch(codePoints, cp) >= 0);
    }

    /**
     * The tokens of {@code text}.
     *
     * @throws IllegalArgumentException naming the first character that is not in the vocabulary, and where
     */
    public int[] encode(String text) {
        int[] cps = text.codePoints().toArray();
        int[] ids = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int id = Arrays.binarySearch(codePoints, cps[i]);
            if (id < 0) {
                throw new IllegalArgumentException("CharTokenizer.encode: " + describe(cps[i]) + " at position " + i
                        + " is not in the vocabulary of " + codePoints.length + " characters " + quote(vocabulary));
            }
            ids[i] = id;
        }
        return ids;
    }

    /**
     * The text of {@code ids}.
     *
     * @throws IllegalArgumentException naming the first id outside {@code [0, vocabSize())}, and where
     */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            sb.appendCodePoint(codePoint(ids[i], i));
        }
        return sb.toString();
    }

    /** The character of token {@code id} as a string. */
    public String decode(int id) {
        return new String(new int[] {codePoint(id, 0)}, 0, 1);
    }

    private int codePoint(int id, int position) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("CharTokenizer.decode: token " + id + " at position " + position
                    + " is outside the vocabulary [0, " + codePoints.length + ")");
        }
        return codePoints[id];
    }

    private static String describe(int cp) {
        String s = new String(new int[] {cp}, 0, 1);
        return String.format("'%s' (U+%04X)", Character.isISOControl(cp) ? "?" : s, cp);
    }

    private static String quote(String s) {
        return '"' + s.replace("\n", "\\n").replace("\t", "\\t") + '"';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharTokenizer other && vocabulary.equals(other.vocabulary);
    }

    @Override
    public int hashCode() {
        return vocabulary.hashCode();
    }

    @Override
    public String toString() {
        return "CharTokenizer(" + codePoints.length + " characters)";
    }
}

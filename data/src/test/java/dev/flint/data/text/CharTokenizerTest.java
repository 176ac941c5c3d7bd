package dev.flint.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CharTokenizerTest {

    @Test
    void vocabularyIsTheSortedDistinctCharactersAsNanoGpt() {
        CharTokenizer tok = CharTokenizer.fit("hello world");
        // Python: ''.join(sorted(set("hello world"))) == ' dehlorw'
        assertEquals(" dehlorw", tok.vocabulary());
        assertEquals(8, tok.vocabSize());
        assertArrayEquals(new int[] {3, 5, 4, 1}, tok.encode("hold"));
        assertEquals("hold", tok.decode(new int[] {3, 5, 4, 1}));
        assertEquals("w", tok.decode(7));
    }

    @Test
    void codePointsOutsideTheBmpAreOneToken() {
        String text = "a\uD83D\uDE00b";   // a, U+1F600, b
        CharTokenizer tok = CharTokenizer.fit(text);
        assertEquals(3, tok.vocabSize());
        assertArrayEquals(new int[] {0, 2, 1}, tok.encode(text));
        assertEquals(text, tok.decode(tok.encode(text)));
    }

    @Test
    void rebuiltFromItsVocabularyItIsTheSame() {
        CharTokenizer tok = CharTokenizer.fit("The quick brown fox.\n");
        CharTokenizer again = CharTokenizer.of(tok.vocabulary());
        assertEquals(tok, again);
        assertArrayEquals(tok.encode("brown"), again.encode("brown"));
    }

    @Test
    void badInputSaysWhatAndWhere() {
        CharTokenizer tok = CharTokenizer.fit("abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode("abz"));
        assertTrue(e.getMessage().contains("'z' (U+007A) at position 2"), e.getMessage());
        assertFalse(tok.canEncode("abz"));
        assertTrue(tok.canEncode("cab"));
        e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {0, 3}));
        assertTrue(e.getMessage().contains("token 3 at position 1") && e.getMessage().contains("[0, 3)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CharTokenizer.of("ba"));
        assertTrue(e.getMessage().contains("ascending"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fit(""));
    }

    @Test
    void theEmbeddedCorpusHasSeventyThreeCharacters() {
        String text = TextCorpus.kingJamesBible();
        assertEquals(TextCorpus.KJV_LENGTH, text.length());
        assertTrue(text.startsWith("Genesis 1\n\n1 In the beginning God created the heaven and the earth.\n"));
        assertTrue(text.endsWith("21 The grace of our Lord Jesus Christ be with you all. Amen.\n"));
        CharTokenizer tok = CharTokenizer.fit(text);
        assertEquals(73, tok.vocabSize());
        assertEquals('\n', tok.vocabulary().charAt(0));
    }
}

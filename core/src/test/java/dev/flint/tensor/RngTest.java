package dev.flint.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RngTest {

    @Test
    void drawsWhatSplittableRandomDrawsForTheSameSeed() {
        // Rng was a wrapper of SplittableRandom: the same numbers keep every seeded run (and the accuracy
        // figures in the READMEs) as they were.
        for (long seed : new long[] {0, 42, -7, Long.MAX_VALUE}) {
            SplittableRandom expected = new SplittableRandom(seed);
            Rng rng = new Rng(seed);
            for (int i = 0; i < 2000; i++) {
                assertEquals((float) (expected.nextInt(1 << 24) * 0x1.0p-24), rng.nextFloat(), "nextFloat " + i);
                assertEquals(expected.nextDouble(), rng.nextDouble(), "nextDouble " + i);
                for (int bound : new int[] {1, 2, 3, 10, 1 << 20, 1_000_003, Integer.MAX_VALUE}) {
                    assertEquals(expected.nextInt(bound), rng.nextInt(bound), "nextInt(" + bound + ") " + i);
                }
            }
            SplittableRandom expectedFork = expected.split();
            Rng fork = rng.fork();
            for (int i = 0; i < 1000; i++) {
                assertEquals(expectedFork.nextDouble(), fork.nextDouble(), "fork " + i);
                assertEquals(expected.nextInt(97), rng.nextInt(97), "after the fork " + i);
            }
        }
    }

    @Test
    void aRestoredStateContinuesTheSameSequence() {
        Rng rng = new Rng(3);
        rng.nextGaussian();
        Rng.State saved = rng.state();
        float[] expected = new float[100];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = i % 2 == 0 ? rng.nextFloat() : rng.fork().nextGaussian();
        }
        Rng other = new Rng(99).restore(saved);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], i % 2 == 0 ? other.nextFloat() : other.fork().nextGaussian(), "draw " + i);
        }
        assertEquals(rng.state(), other.state());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Rng.State(1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Rng(1).nextInt(0));
        assertEquals("Rng.nextInt: bound must be positive, got 0", e.getMessage());
    }
}

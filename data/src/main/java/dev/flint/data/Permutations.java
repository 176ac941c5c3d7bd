package dev.flint.data;

/**
 * Seeded random permutations for splitting and shuffling. The generator is SplitMix64 and the
 * shuffle is Fisher-Yates, both written out here rather than taken from {@code java.util.Random}, so
 * that an order derived from a seed (a DataLoader epoch, a validation split, the embedded MNIST subset)
 * is fixed by this file alone and never changes with the JDK.
 */
final class Permutations {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Permutations() {
    }

    /** A seed for stream {@code stream} of {@code seed} (for example one per epoch), well mixed. */
    static long derive(long seed, long stream) {
        return mix(seed + GOLDEN * (stream + 1));
    }

    /** {@code 0 .. n-1} in a random order determined by {@code seed}. */
    static int[] random(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, seed);
        return p;
    }

    /** Shuffles {@code a} in place (Fisher-Yates) in an order determined by {@code seed}. */
    static void shuffle(int[] a, long seed) {
        long state = seed;
        for (int i = a.length - 1; i > 0; i--) {
            state += GOLDEN;
            int j = bounded(mix(state), i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** An integer in {@code [0, bound)} from the top 32 of 64 random bits (multiply-shift). */
    private static int bounded(long bits, int bound) {
        // Bias at most bound / 2^32: below 1e-3 even for a million samples, and it needs no rejection loop.
        return (int) (((bits >>> 32) * bound) >>> 32);
    }

    /** The SplitMix64 output function. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

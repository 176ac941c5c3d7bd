package dev.flint.tensor;

/**
 * The seeded host random generator behind every random tensor, weight init and dropout mask. Numbers
 * are drawn on the host and copied to the backend, so two backends given the same seed start from
 * identical weights and masks.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Tensor w = Tensor.onDefault().randn(Shape.of(784, 10), rng);
 * }</pre>
 *
 * <p>The generator is SplitMix64, the algorithm of {@link java.util.SplittableRandom}, written out here
 * (and tested to give the same numbers) so that its state can be read and restored: a checkpoint keeps
 * {@link #state()} and a resumed run continues the very same sequence of dropout masks.
 */
public final class Rng {
    /** SplittableRandom's default increment: the odd integer closest to 2^64 / golden ratio. */
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long seed;
    private long gamma;

    /**
     * The whole state of a generator: {@code new Rng(0).restore(r.state())} draws what {@code r} draws next.
     *
     * @param seed the counter, advanced by {@code gamma} on every draw
     * @param gamma the increment, always odd
     */
    public record State(long seed, long gamma) {
        public State {
            if ((gamma & 1L) == 0) {
                throw new IllegalArgumentException("Rng.State: gamma must be odd, got " + gamma);
            }
        }
    }

    /** A generator whose sequence is fixed by {@code seed}. */
    public Rng(long seed) {
        this(seed, GOLDEN_GAMMA);
    }

    private Rng(long seed, long gamma) {
        this.seed = seed;
        this.gamma = gamma;
    }

    /** The generator's state now, for checkpoints. */
    public State state() {
        return new State(seed, gamma);
    }

    /** Continues from {@code state} (taken with {@link #state()}); returns this. */
    public Rng restore(State state) {
        this.seed = state.seed();
        this.gamma = state.gamma();
        return this;
    }

    /** Uniform in [0, 1). */
    public float nextFloat() {
        return (float) (nextInt(1 << 24) * 0x1.0p-24);
    }

    /** Uniform in [0, 1) with 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal (Box-Muller in double, then rounded to float). */
    public float nextGaussian() {
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0.0);
        double u2 = nextDouble();
        return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Rng.nextInt: bound must be positive, got " + bound);
        }
        int r = mix32(nextSeed());
        int m = bound - 1;
        if ((bound & m) == 0) {
            return r & m;
        }
        // Rejection sampling, as SplittableRandom: redraw the few values that would bias the modulo.
        for (int u = r >>> 1; u + m - (r = u % bound) < 0; u = mix32(nextSeed()) >>> 1) {
            // loop until an unbiased value
        }
        return r;
    }

    /** Shuffles {@code values} in place (Fisher-Yates). */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** An independent generator split off this one (deterministic given this one's state). */
    public Rng fork() {
        return new Rng(nextLong(), mixGamma(nextSeed()));
    }

    private long nextSeed() {
        return seed += gamma;
    }

    private long nextLong() {
        return mix64(nextSeed());
    }

    // The mixing functions of SplittableRandom (Stafford's variant 13 of MurmurHash3's finalizer).
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static int mix32(long z) {
        z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
        return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
    }

    private static long mixGamma(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        z = (z ^ (z >>> 33)) | 1L;
        // Too few bit transitions make a weak increment: flip every other bit then.
        int n = Long.bitCount(z ^ (z >>> 1));
        return n < 24 ? z ^ 0xaaaaaaaaaaaaaaaaL : z;
    }
}

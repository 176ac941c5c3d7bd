package dev.flint.tensor;

import java.util.SplittableRandom;

/**
 * The seeded host random generator behind every random tensor, weight init and dropout mask. Numbers
 * are drawn on the host and copied to the backend, so two backends given the same seed start from
 * identical weights and masks.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Tensor w = Tensor.onDefault().randn(Shape.of(784, 10), rng);
 * }</pre>
 */
public final class Rng {
    private final SplittableRandom random;

    /** A generator whose sequence is fixed by {@code seed}. */
    public Rng(long seed) {
        this.random = new SplittableRandom(seed);
    }

    private Rng(SplittableRandom random) {
        this.random = random;
    }

    /** Uniform in [0, 1). */
    public float nextFloat() {
        return (float) (random.nextInt(1 << 24) * 0x1.0p-24);
    }

    /** Uniform in [0, 1) with 53 bits. */
    public double nextDouble() {
        return random.nextDouble();
    }

    /** Standard normal (Box-Muller in double, then rounded to float). */
    public float nextGaussian() {
        double u1;
        do {
            u1 = random.nextDouble();
        } while (u1 <= 0.0);
        double u2 = random.nextDouble();
        return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** Shuffles {@code values} in place (Fisher-Yates). */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** An independent generator split off this one (deterministic given this one's state). */
    public Rng fork() {
        return new Rng(random.split());
    }
}

package dev.flint.nn.gpt;

import dev.flint.tensor.Rng;
import java.util.Arrays;
import java.util.Objects;

/**
 * Draws the next token from a language model's logits as nanoGPT's {@code generate}: divide by the
 * temperature, keep only the {@code topK} largest logits (every logit equal to the k-th stays, as
 * {@code logits < v[:, [-1]]} masks), softmax, and draw one token from that distribution. A temperature
 * below 1 sharpens the distribution, above 1 flattens it; {@code topK = 0} keeps every token.
 *
 * <pre>{@code
 * Sampler sampler = new Sampler(0.8f, 40, new Rng(1));
 * int next = sampler.next(lastRowOfLogits);
 * }</pre>
 *
 * <p>Runs on the host in double precision over one row of {@code vocab} floats. Not for concurrent use
 * (it draws from one {@link Rng}).
 */
public final class Sampler {
    private final float temperature;
    private final int topK;
    private final Rng rng;

    /**
     * @param temperature > 0 and finite
     * @param topK how many of the largest logits may be drawn; 0 for all
     * @param rng where the draws come from (seeded: the same seed gives the same text)
     */
    public Sampler(float temperature, int topK, Rng rng) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("Sampler: temperature must be finite and > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("Sampler: topK must be >= 0 (0 keeps every token), got " + topK);
        }
        this.temperature = temperature;
        this.topK = topK;
        this.rng = Objects.requireNonNull(rng, "rng");
    }

    /** The temperature. */
    public float temperature() {
        return temperature;
    }

    /** The top-k cut (0: none). */
    public int topK() {
        return topK;
    }

    /**
     * The distribution a token is drawn from: {@code softmax(topK(logits / temperature))}, zero outside the
     * top k.
     *
     * @throws IllegalArgumentException when {@code logits} is empty or holds NaN
     */
    public double[] probabilities(float[] logits) {
        int n = logits.length;
        if (n == 0) {
            throw new IllegalArgumentException("Sampler: no logits");
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(logits[i])) {
                throw new IllegalArgumentException("Sampler: logit " + i + " of " + n + " is NaN (did training diverge?)");
            }
            // Divided in float as PyTorch divides a float32 tensor, then widened.
            x[i] = logits[i] / temperature;
        }
        double cut = Double.NEGATIVE_INFINITY;
        if (topK > 0 && topK < n) {
            double[] sorted = x.clone();
            Arrays.sort(sorted);
            cut = sorted[n - topK];   // the k-th largest
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            if (v >= cut) {
                max = Math.max(max, v);
            }
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = x[i] >= cut ? Math.exp(x[i] - max) : 0.0;
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** One token drawn from {@link #probabilities(float[])} of {@code logits}. */
    public int next(float[] logits) {
        double[] p = probabilities(logits);
        double u = rng.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                acc += p[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last;   // u within rounding of 1: the last token that can be drawn
    }

    @Override
    public String toString() {
        return "Sampler(temperature=" + temperature + ", topK=" + topK + ")";
    }
}

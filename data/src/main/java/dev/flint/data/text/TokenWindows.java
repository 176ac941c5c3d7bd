package dev.flint.data.text;

import dev.flint.backend.Backend;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.tensor.TensorFactory;
import java.util.Arrays;
import java.util.Objects;

/**
 * The training samples of a language model over a token sequence: the window at offset {@code i} is
 * {@code tokens[i, i + T)} and its targets {@code tokens[i + 1, i + T + 1)}, the next token at every
 * position (so one window is T (context, next-token) pairs). There are {@code tokens.length - T} offsets,
 * as in nanoGPT's {@code get_batch}, which draws them uniformly at random; {@link #randomBatch} does the
 * same, {@link #batch} takes given offsets (a fixed validation set, or batches shared with another
 * framework).
 *
 * <pre>{@code
 * TokenWindows.Split split = TokenWindows.split(tokenizer.encode(text), 64, 0.9);
 * int[] fixed = split.validation().evenlySpacedOffsets(240);
 * try (TokenBatch b = split.validation().batch(fixed, 0, 12, backend)) { ... }
 * }</pre>
 *
 * <p>The tokens stay on the host; only batches are tensors. Read-only once built.
 */
public final class TokenWindows {
    private final int[] tokens;
    private final int context;

    /**
     * Windows of {@code context} tokens over {@code tokens} (not copied: do not change the array).
     *
     * @throws IllegalArgumentException when {@code context < 1} or there are not {@code context + 1} tokens
     */
    public TokenWindows(int[] tokens, int context) {
        Objects.requireNonNull(tokens, "tokens");
        if (context < 1) {
            throw new IllegalArgumentException("TokenWindows: context must be >= 1, got " + context);
        }
        if (tokens.length < context + 1) {
            throw new IllegalArgumentException("TokenWindows: a window of " + context + " tokens and its targets need "
                    + (context + 1) + " tokens, got " + tokens.length);
        }
        this.tokens = tokens;
        this.context = context;
    }

    /** The first {@code trainFraction} of a text trains, the rest validates (nanoGPT: 0.9). */
    public record Split(TokenWindows train, TokenWindows validation) {
    }

    /**
     * Splits {@code tokens} at {@code floor(length * trainFraction)}: the part before trains and the part
     * after validates, as nanoGPT's {@code prepare.py}; the parts share no token.
     *
     * @throws IllegalArgumentException when the fraction is not in (0, 1) or either part is shorter than a window
     */
    public static Split split(int[] tokens, int context, double trainFraction) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("TokenWindows.split: trainFraction must be in (0, 1), got "
                    + trainFraction);
        }
        int cut = (int) (tokens.length * trainFraction);
        int[] train = Arrays.copyOfRange(tokens, 0, cut);
        int[] validation = Arrays.copyOfRange(tokens, cut, tokens.length);
        if (train.length < context + 1 || validation.length < context + 1) {
            throw new IllegalArgumentException("TokenWindows.split: " + tokens.length + " tokens split at " + cut
                    + " leave " + train.length + " for training and " + validation.length + " for validation; each"
                    + " part needs at least context + 1 = " + (context + 1));
        }
        return new Split(new TokenWindows(train, context), new TokenWindows(validation, context));
    }

    /** Number of window offsets: {@code tokens.length - context}. */
    public int size() {
        return tokens.length - context;
    }

    /** Tokens per window T. */
    public int context() {
        return context;
    }

    /** Number of tokens. */
    public int tokenCount() {
        return tokens.length;
    }

    /** Token {@code i} of the sequence. */
    public int token(int i) {
        return tokens[i];
    }

    /** {@code batchSize} windows at offsets drawn uniformly from {@code [0, size())} by {@code rng}. */
    public TokenBatch randomBatch(int batchSize, Rng rng, Backend backend) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("TokenWindows.randomBatch: batchSize must be >= 1, got " + batchSize);
        }
        int[] offsets = new int[batchSize];
        for (int b = 0; b < batchSize; b++) {
            offsets[b] = rng.nextInt(size());
        }
        return batch(offsets, 0, batchSize, backend);
    }

    /**
     * The windows at {@code offsets[from, from + count)}, in that order, on {@code backend}.
     *
     * @throws IllegalArgumentException when the range is outside {@code offsets} or an offset outside
     *     {@code [0, size())}, naming it
     */
    public TokenBatch batch(int[] offsets, int from, int count, Backend backend) {
        if (count < 1 || from < 0 || from + count > offsets.length) {
            throw new IllegalArgumentException("TokenWindows.batch: offsets [" + from + ", " + (from + count)
                    + ") are not a non-empty range of the " + offsets.length + " given");
        }
        int[] x = new int[count * context];
        int[] y = new int[count * context];
        for (int b = 0; b < count; b++) {
            int o = offsets[from + b];
            if (o < 0 || o >= size()) {
                throw new IllegalArgumentException("TokenWindows.batch: offset " + o + " (index " + (from + b)
                        + ") is outside [0, " + size() + ")");
            }
            System.arraycopy(tokens, o, x, b * context, context);
            System.arraycopy(tokens, o + 1, y, b * context, context);
        }
        TensorFactory t = Tensor.on(backend);
        Tensor inputs = t.fromInts(x, Shape.of(count, context));
        try {
            return new TokenBatch(inputs, t.fromInts(y, Shape.of(count, context)));
        } catch (RuntimeException e) {
            inputs.close();
            throw e;
        }
    }

    /**
     * {@code count} offsets spread evenly over {@code [0, size())}: {@code floor(k * size() / count)}; a
     * fixed, repeatable sample of the text (a validation set every evaluation sees alike).
     */
    public int[] evenlySpacedOffsets(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("TokenWindows.evenlySpacedOffsets: count must be >= 1, got " + count);
        }
        int[] offsets = new int[count];
        for (int k = 0; k < count; k++) {
            offsets[k] = (int) ((long) k * size() / count);
        }
        return offsets;
    }
}

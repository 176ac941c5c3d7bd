package dev.flint.nn;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Tensor;

/**
 * Inverted dropout: in training mode each element is zeroed with probability {@code p} and the
 * survivors scaled by {@code 1 / (1 - p)}, so evaluation mode is the identity and needs no rescaling.
 * Masks come from a seeded {@link Rng} on the host, so a run is reproducible on every backend.
 *
 * <pre>{@code
 * Dropout drop = new Dropout(0.5f, new Rng(3));
 * Tensor h = drop.forward(x);   // about half of x zeroed, the rest doubled
 * drop.eval();
 * drop.forward(x);              // x unchanged
 * }</pre>
 */
public class Dropout extends Module {
    private final float p;
    private final Rng rng;

    /** Drop probability {@code p} in [0, 1); masks drawn from {@code rng}. */
    public Dropout(float p, Rng rng) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout: probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0f) {
            return x;
        }
        return x.dropout(p, true, rng);
    }

    /**
     * The generator the masks are drawn from; its {@link Rng#state()} is what a checkpoint keeps so that
     * a resumed run draws the same masks.
     */
    public Rng rng() {
        return rng;
    }

    /** The drop probability. */
    public float probability() {
        return p;
    }

    @Override
    protected String describe() {
        return "Dropout(p=" + p + ")";
    }
}

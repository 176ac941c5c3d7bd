package dev.flint.nn;

import dev.flint.tensor.Tensor;
import java.util.Objects;

/**
 * The Gaussian error linear unit, elementwise, any shape, as PyTorch's {@code nn.GELU}: exact,
 * {@code x * Phi(x)}, or with {@link Approximation#TANH} the tanh form GPT-2 used. No parameters.
 *
 * <pre>{@code
 * Module mlp = new Sequential(new Linear(128, 512, rng), new GELU(), new Linear(512, 128, rng));
 * Module gpt2Style = new GELU(GELU.Approximation.TANH);
 * }</pre>
 */
public class GELU extends Module {
    /** PyTorch's {@code approximate} argument: {@code 'none'} or {@code 'tanh'}. */
    public enum Approximation {
        /** {@code x * Phi(x)}, with Phi the standard normal CDF. */
        NONE,
        /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
        TANH
    }

    private final Approximation approximation;

    /** The exact GELU. */
    public GELU() {
        this(Approximation.NONE);
    }

    /** The exact GELU or its tanh approximation. */
    public GELU(Approximation approximation) {
        this.approximation = Objects.requireNonNull(approximation, "approximation");
    }

    /** Which form this layer computes. */
    public Approximation approximation() {
        return approximation;
    }

    @Override
    public Tensor forward(Tensor x) {
        return approximation == Approximation.TANH ? x.geluTanh() : x.gelu();
    }

    @Override
    protected String describe() {
        return approximation == Approximation.TANH ? "GELU(approximate=tanh)" : "GELU";
    }
}

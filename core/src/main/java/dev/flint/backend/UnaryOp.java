package dev.flint.backend;

import java.util.List;
import java.util.Locale;

/**
 * The elementwise functions of one float32 input, {@code y = f(x)}, each with its derivative: the one
 * elementwise family of the SPI. A backend computes the forward ({@link Backend#unary}) and the
 * gradient {@code dx = dy * f'(x)} ({@link Backend#unaryBackward}) of every entry; the conformance
 * suite checks both against a float64 reference for every entry, so a new entry cannot be forgotten
 * by a backend. Parameters (a slope, an exponent, a range) are named here and passed as a {@link Unary}.
 *
 * <p>Each entry declares what its derivative reads: nothing (a constant), the input {@code x}, or the
 * output {@code y} (cheaper where the output already holds the exponential, as for sigmoid and tanh).
 * The front end keeps exactly that operand alive for the backward pass, and backends must not read
 * the other one (they receive null; the conformance suite hands them a NaN-filled buffer instead).
 * {@link Derivative#NONE} marks a piecewise-constant function with no gradient.
 *
 * <p>Adding an entry: see {@code docs/adding-an-op.md}.
 */
public enum UnaryOp {
    /** {@code -x}; derivative -1 */
    NEG(Derivative.CONSTANT),
    /** {@code e^x}; derivative {@code y} */
    EXP(Derivative.OF_OUTPUT),
    /** natural log; {@code -inf} at 0, NaN below; derivative {@code 1 / x} */
    LOG(Derivative.OF_INPUT),
    /** square root; NaN below 0; derivative {@code 0.5 / y} */
    SQRT(Derivative.OF_OUTPUT),
    /** {@code |x|}; derivative {@code sign(x)} (0 at 0) */
    ABS(Derivative.OF_INPUT),
    /** -1, 0 or 1 (keeps the sign of zero and NaN); no gradient */
    SIGN(Derivative.NONE),
    /** {@code 1 / x}; derivative {@code -y^2} */
    RECIPROCAL(Derivative.OF_OUTPUT),
    /** {@code x * x}; derivative {@code 2x} */
    SQUARE(Derivative.OF_INPUT),
    /** {@code scale * x + shift}; derivative {@code scale} */
    AFFINE(Derivative.CONSTANT, "scale", "shift"),
    /** {@code x ^ exponent} (Java's {@code Math.pow}, in float); derivative {@code exponent * x^(exponent - 1)} */
    POW(Derivative.OF_INPUT, "exponent"),
    /** {@code min(max(x, lo), hi)}; derivative 1 where {@code lo <= x <= hi}, else 0 */
    CLAMP(Derivative.OF_INPUT, "lo", "hi"),
    /** 1 where {@code lo <= x <= hi}, else 0 (the mask of clamp's gradient); no gradient */
    IN_RANGE(Derivative.NONE, "lo", "hi"),
    /** {@code max(0, x)} (NaN gives 0 on every backend); derivative 1 where {@code x > 0}, else 0 */
    RELU(Derivative.OF_INPUT),
    /** {@code x > 0 ? x : slope * x}; derivative 1 where {@code x > 0}, else {@code slope} */
    LEAKY_RELU(Derivative.OF_INPUT, "slope"),
    /** {@code 1 / (1 + e^-x)}; derivative {@code y (1 - y)} */
    SIGMOID(Derivative.OF_OUTPUT),
    /** {@code tanh(x)}; derivative {@code 1 - y^2} */
    TANH(Derivative.OF_OUTPUT),
    /**
     * GELU, exact: {@code x * Phi(x)} with Phi the standard normal CDF, {@code 0.5 x (1 + erf(x / sqrt 2))}
     * (PyTorch's {@code gelu(approximate='none')}); derivative {@code Phi(x) + x phi(x)}
     */
    GELU(Derivative.OF_INPUT),
    /**
     * GELU, tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))} (PyTorch's
     * {@code gelu(approximate='tanh')}, GPT-2's); derivative of that formula
     */
    GELU_TANH(Derivative.OF_INPUT);

    /** What {@code f'} is computed from. */
    public enum Derivative {
        /** Piecewise constant: no gradient flows (the backward primitive is never called). */
        NONE,
        /** Reads neither x nor y. */
        CONSTANT,
        /** Reads the input x. */
        OF_INPUT,
        /** Reads the output y. */
        OF_OUTPUT
    }

    private final Derivative derivative;
    private final List<String> parameters;

    UnaryOp(Derivative derivative, String... parameters) {
        this.derivative = derivative;
        this.parameters = List.of(parameters);
    }

    /** What the derivative reads. */
    public Derivative derivative() {
        return derivative;
    }

    /** Whether gradients flow through this function. */
    public boolean differentiable() {
        return derivative != Derivative.NONE;
    }

    /** The names of its scalar parameters, in order (at most two): {@code [slope]}, {@code [lo, hi]}. */
    public List<String> parameters() {
        return parameters;
    }

    /** The name in graphs and messages: {@code leaky_relu}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package dev.flint.backend;

/**
 * Pointwise activations, primitives so that each backend can fuse them. The scalar parameter
 * {@code alpha} is the negative slope of {@link #LEAKY_RELU} and ignored by the others.
 */
public enum Activation {
    /** {@code max(0, x)}; gradient 1 where x &gt; 0, else 0 */
    RELU,
    /** {@code x > 0 ? x : alpha * x}; gradient 1 where x &gt; 0, else alpha */
    LEAKY_RELU,
    /** {@code 1 / (1 + e^-x)}; gradient {@code y (1 - y)} */
    SIGMOID,
    /** {@code tanh(x)}; gradient {@code 1 - y^2} */
    TANH
}

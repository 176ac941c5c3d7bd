package dev.flint.autograd;

/**
 * A value the computational graph records: {@code dev.flint.tensor.Tensor} is the implementation.
 * The graph and the {@link BackwardEngine} need no more of a value than this, so autograd depends on
 * nothing above it; the gradient arithmetic itself comes from a {@link GradientMath}.
 *
 * @param <V> the value type itself
 */
public interface Differentiable<V extends Differentiable<V>> {

    /** The node that produced this value, or null for a leaf. */
    Node<V> gradFn();

    /** Whether gradients flow to or through this value. */
    boolean requiresGrad();

    /**
     * How many times this value's data was written in place since it was made. Views of the same data
     * share the count. Nodes record it for the values their backward reads, and refuse to run when it
     * has changed.
     */
    int version();

    /** A short description for graphs and error messages: the shape, such as {@code [2, 3]}. */
    String describe();
}

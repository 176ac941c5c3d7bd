package dev.flint.autograd;

/**
 * The gradient arithmetic the {@link BackwardEngine} delegates to the value type: the engine walks
 * the graph, the value type adds, reduces and frees.
 *
 * @param <V> the value type
 */
public interface GradientMath<V extends Differentiable<V>> {

    /** Owns every gradient made until it is closed, except those handed to leaves. */
    interface Session extends AutoCloseable {
        @Override
        void close();
    }

    /** Opens the session one backward pass runs in; {@code seed} (the root's gradient) belongs to it. */
    Session open(V seed);

    /**
     * {@code gradient} of an op's output that {@code input} fed, reduced to {@code input}'s shape: the
     * one place where gradients of broadcast operands are summed back.
     */
    V reduceToInput(V gradient, V input, String op);

    /** {@code a + b}, a new value. */
    V add(V a, V b);

    /**
     * Adds {@code gradient} (already of the leaf's shape) into the leaf's accumulated gradient.
     * {@code exclusive}: nothing else in this pass holds {@code gradient} (it is neither a node's incoming
     * gradient, nor another input's, nor waiting in the engine for a node), so a leaf with no gradient
     * yet may keep it instead of a copy.
     */
    void accumulate(V leaf, V gradient, boolean exclusive);

    /** Frees a gradient nothing will read any more. */
    void free(V gradient);
}

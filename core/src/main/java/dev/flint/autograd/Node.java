package dev.flint.autograd;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One recorded operation of the computational graph: its name, its inputs, the values its backward
 * rule reads (with their versions at record time), and the rule that turns the gradient of its output
 * into gradients of its inputs.
 *
 * <p>A backward pass releases each node it runs through, so the values it holds can be freed; a
 * second pass through a released node is an error (PyTorch's semantics). {@code backward(true)}
 * (retain the graph) keeps the nodes for another pass.
 *
 * @param <V> the value type ({@code Tensor})
 */
public final class Node<V extends Differentiable<V>> {

    /**
     * The backward rule of one op: given dL/d(output), returns dL/d(input) for each input, in order,
     * {@code null} where an input gets no gradient. A returned gradient may have the output's
     * broadcast shape; the engine has it reduced to the input's shape (in exactly one place).
     */
    @FunctionalInterface
    public interface Backward<V> {
        V[] apply(V gradOutput);
    }

    private final String op;
    private final V[] inputs;
    private final V[] saved;
    private final int[] savedVersions;
    private final String output;
    private final AtomicReference<Backward<V>> rule;

    /**
     * @param op      operation name, such as {@code "matmul"}
     * @param inputs  the inputs, in the order {@code rule} returns their gradients (null entries allowed)
     * @param saved   the values {@code rule} reads (inputs or the output); their versions are checked
     * @param output  description of the output, such as {@code [2, 3]}
     * @param rule    the backward rule
     */
    public Node(String op, V[] inputs, V[] saved, String output, Backward<V> rule) {
        this.op = op;
        this.inputs = inputs;
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            savedVersions[i] = saved[i].version();
        }
        this.output = output;
        this.rule = new AtomicReference<>(rule);
    }

    /** Operation name, such as {@code "matmul"}. */
    public String op() {
        return op;
    }

    /** The inputs, in the order the backward rule returns their gradients. */
    public List<V> inputs() {
        return Arrays.asList(inputs);
    }

    /** Description of the output this node produced, such as {@code [2, 3]}. */
    public String output() {
        return output;
    }

    /** Whether a backward pass without {@code retainGraph} already ran through this node. */
    public boolean isReleased() {
        return rule.get() == null;
    }

    /**
     * Runs the rule. Throws when a saved value was modified in place since the op recorded it, or when
     * an earlier backward pass released this node; releases it unless {@code retainGraph}.
     */
    V[] apply(V gradOutput, boolean retainGraph) {
        Backward<V> r = retainGraph ? rule.get() : rule.getAndSet(null);
        if (r == null) {
            throw new IllegalStateException("backward: the graph through '" + op + "' was already used by a "
                    + "backward pass, which freed it; to run backward through it again, call backward(true) "
                    + "(retain the graph) on every pass but the last");
        }
        for (int i = 0; i < saved.length; i++) {
            int now = saved[i].version();
            if (now != savedVersions[i]) {
                if (!retainGraph) {
                    rule.set(r);
                }
                throw new IllegalStateException("backward: " + savedName(i) + " of '" + op + "' (" + saved[i].describe()
                        + "), which its gradient needs, was modified in place after '" + op + "' used it (version "
                        + savedVersions[i] + ", now " + now + "); modify a copy, or modify it after backward()");
            }
        }
        return r.apply(gradOutput);
    }

    private String savedName(int i) {
        for (int k = 0; k < inputs.length; k++) {
            if (inputs[k] == saved[i]) {
                return inputs.length == 1 ? "the input" : "input " + k;
            }
        }
        return "the output";
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op).append('(');
        for (int i = 0; i < inputs.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(inputs[i] == null ? "-" : inputs[i].describe());
        }
        return sb.append(") -> ").append(output).toString();
    }
}

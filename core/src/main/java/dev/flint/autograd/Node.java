package dev.flint.autograd;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * One recorded operation of the computational graph: its name, its inputs, the shape it produced,
 * and the rule that turns the gradient of its output into gradients of its inputs.
 */
public final class Node {

    /**
     * The backward rule of one op: given dL/d(output), returns dL/d(input) for each input, in order,
     * {@code null} where an input gets no gradient. A returned gradient may have the output's
     * broadcast shape; the engine reduces it to the input's shape (in exactly one place).
     */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    private final String op;
    private final Tensor[] inputs;
    private final Shape outputShape;
    private final Backward backward;

    public Node(String op, Tensor[] inputs, Shape outputShape, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.outputShape = outputShape;
        this.backward = backward;
    }

    /** Operation name, such as {@code "matmul"}. */
    public String op() {
        return op;
    }

    /** The inputs, in the order the backward rule returns their gradients. */
    public List<Tensor> inputs() {
        return Arrays.asList(inputs);
    }

    /** Shape of the output this node produced. */
    public Shape outputShape() {
        return outputShape;
    }

    /** The backward rule. */
    public Backward backward() {
        return backward;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op).append('(');
        for (int i = 0; i < inputs.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(inputs[i].shape());
        }
        return sb.append(") -> ").append(outputShape).toString();
    }
}

package dev.flint.autograd;

import dev.flint.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A read-only view of the computational graph behind a tensor: its nodes in topological order, and
 * a Graphviz DOT export.
 *
 * <pre>{@code
 * Graph g = Graph.of(loss);
 * g.nodes().forEach(System.out::println);          // matmul([64, 784], [784, 10]) -> [64, 10] ...
 * Files.writeString(Path.of("model.dot"), g.toDot());  // dot -Tpng model.dot -o model.png
 * }</pre>
 */
public final class Graph {
    private final Tensor root;
    private final List<Tensor> order;

    private Graph(Tensor root, List<Tensor> order) {
        this.root = root;
        this.order = order;
    }

    /** The graph that produced {@code root}. */
    public static Graph of(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            List<Tensor> inputs = t.gradFn() == null ? List.of() : t.gradFn().inputs();
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor in = inputs.get(next);
                if (in != null && visited.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return new Graph(root, List.copyOf(order));
    }

    /** The recorded operations, inputs before the ops that use them. */
    public List<Node> nodes() {
        List<Node> nodes = new ArrayList<>();
        for (Tensor t : order) {
            if (t.gradFn() != null) {
                nodes.add(t.gradFn());
            }
        }
        return nodes;
    }

    /** Every tensor in the graph (leaves and op results), inputs first. */
    public List<Tensor> tensors() {
        return order;
    }

    /** The leaves that require a gradient (the parameters and inputs backward fills). */
    public List<Tensor> leaves() {
        List<Tensor> leaves = new ArrayList<>();
        for (Tensor t : order) {
            if (t.gradFn() == null && t.requiresGrad()) {
                leaves.add(t);
            }
        }
        return leaves;
    }

    /** Graphviz DOT: boxes for ops, ellipses for leaves, edges labelled with shapes. */
    public String toDot() {
        Map<Tensor, String> ids = new IdentityHashMap<>();
        StringBuilder sb = new StringBuilder("digraph flint {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n");
        for (Tensor t : order) {
            String id = "t" + ids.size();
            ids.put(t, id);
            if (t.gradFn() == null) {
                sb.append("  ").append(id).append(" [shape=ellipse, label=\"")
                        .append(t.requiresGrad() ? "param " : "input ").append(t.shape()).append("\"")
                        .append(t.requiresGrad() ? ", style=filled, fillcolor=lightblue" : "").append("];\n");
            } else {
                sb.append("  ").append(id).append(" [shape=box, label=\"").append(t.gradFn().op()).append("\\n")
                        .append(t.shape()).append("\"").append(t == root ? ", style=bold" : "").append("];\n");
            }
        }
        for (Tensor t : order) {
            if (t.gradFn() == null) {
                continue;
            }
            for (Tensor in : t.gradFn().inputs()) {
                if (in != null) {
                    sb.append("  ").append(ids.get(in)).append(" -> ").append(ids.get(t)).append(";\n");
                }
            }
        }
        return sb.append("}\n").toString();
    }
}

package dev.flint.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of the computational graph behind a value: its nodes in topological order, and
 * a Graphviz DOT export.
 *
 * <pre>{@code
 * Graph<Tensor> g = Graph.of(loss);
 * g.nodes().forEach(System.out::println);          // matmul([64, 784], [784, 10]) -> [64, 10] ...
 * Files.writeString(Path.of("model.dot"), g.toDot());  // dot -Tpng model.dot -o model.png
 * }</pre>
 *
 * @param <V> the value type ({@code Tensor})
 */
public final class Graph<V extends Differentiable<V>> {
    private final V root;
    private final List<V> order;

    private Graph(V root, List<V> order) {
        this.root = root;
        this.order = order;
    }

    /** The graph that produced {@code root}. */
    public static <V extends Differentiable<V>> Graph<V> of(V root) {
        return new Graph<>(root, List.copyOf(BackwardEngine.reachable(root)));
    }

    /** The recorded operations, inputs before the ops that use them. */
    public List<Node<V>> nodes() {
        List<Node<V>> nodes = new ArrayList<>();
        for (V v : order) {
            if (v.gradFn() != null) {
                nodes.add(v.gradFn());
            }
        }
        return nodes;
    }

    /** Every value in the graph (leaves and op results), inputs first. */
    public List<V> values() {
        return order;
    }

    /** The leaves that require a gradient (the parameters and inputs backward fills). */
    public List<V> leaves() {
        List<V> leaves = new ArrayList<>();
        for (V v : order) {
            if (v.gradFn() == null && v.requiresGrad()) {
                leaves.add(v);
            }
        }
        return leaves;
    }

    /** Graphviz DOT: boxes for ops, ellipses for leaves, edges from inputs to the ops that use them. */
    public String toDot() {
        Map<V, String> ids = new IdentityHashMap<>();
        StringBuilder sb = new StringBuilder("digraph flint {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n");
        for (V v : order) {
            String id = "t" + ids.size();
            ids.put(v, id);
            if (v.gradFn() == null) {
                sb.append("  ").append(id).append(" [shape=ellipse, label=\"")
                        .append(v.requiresGrad() ? "param " : "input ").append(v.describe()).append("\"")
                        .append(v.requiresGrad() ? ", style=filled, fillcolor=lightblue" : "").append("];\n");
            } else {
                sb.append("  ").append(id).append(" [shape=box, label=\"").append(v.gradFn().op()).append("\\n")
                        .append(v.describe()).append("\"").append(v == root ? ", style=bold" : "").append("];\n");
            }
        }
        for (V v : order) {
            if (v.gradFn() == null) {
                continue;
            }
            for (V in : v.gradFn().inputs()) {
                if (in != null) {
                    sb.append("  ").append(ids.get(in)).append(" -> ").append(ids.get(v)).append(";\n");
                }
            }
        }
        return sb.append("}\n").toString();
    }
}

package dev.flint.tensor;

import dev.flint.autograd.GradMode;
import dev.flint.autograd.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation: one topological sort of the graph, walked from the output back to
 * the leaves, accumulating gradients where a tensor is used more than once.
 */
final class BackwardEngine {
    private BackwardEngine() {
    }

    /** The tensors with a graph node reachable from {@code root}, in topological order (inputs first). */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        // Iterative post-order DFS: deep graphs (long unrolled loops) must not overflow the stack.
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Node node = t.gradFn();
            List<Tensor> inputs = node == null ? List.of() : node.inputs();
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor in = inputs.get(next);
                if (in != null && in.gradFn() != null && visited.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                if (node != null) {
                    order.add(t);
                }
            }
        }
        return order;
    }

    static void run(Tensor root, Tensor seed) {
        List<Tensor> order = topologicalOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        try (Scope scope = Scope.open(); GradMode.Guard noGrad = GradMode.noGrad()) {
            assert noGrad != null;
            scope.adopt(seed);
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) {
                    continue;   // no path from the root carries a gradient here
                }
                Node node = t.gradFn();
                Tensor[] inputGrads = node.backward().apply(g);
                List<Tensor> inputs = node.inputs();
                if (inputGrads.length != inputs.size()) {
                    throw new IllegalStateException(node.op() + ": backward returned " + inputGrads.length
                            + " gradients for " + inputs.size() + " inputs");
                }
                boolean aliased = false;
                for (int k = 0; k < inputs.size(); k++) {
                    Tensor in = inputs.get(k);
                    Tensor gin = inputGrads[k];
                    if (in == null || gin == null || !in.requiresGrad()) {
                        continue;
                    }
                    aliased |= gin == g;
                    gin = reduceToShape(gin, in.shape(), node.op());
                    if (in.gradFn() == null) {
                        in.accumulateGrad(gin);
                    } else {
                        Tensor previous = grads.get(in);
                        grads.put(in, previous == null ? gin : previous.add(gin));
                    }
                }
                if (!aliased && !grads.containsValue(g)) {
                    // Free each intermediate gradient as soon as nothing else will read it (an op such as
                    // add hands the same gradient tensor to both inputs).
                    g.close();
                }
            }
        }
    }

    /**
     * The one place where a gradient of a broadcast result is summed back to its input's shape:
     * over the leading axes the input lacks and the axes where it had size 1.
     */
    static Tensor reduceToShape(Tensor g, Shape target, String op) {
        if (g.shape().equals(target)) {
            return g;
        }
        int lead = g.rank() - target.rank();
        if (lead < 0) {
            throw new IllegalStateException(op + ": gradient " + g.shape() + " has lower rank than its input " + target);
        }
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (target.dim(i - lead) == 1 && g.shape().dim(i) != 1)) {
                axes.add(i);
            }
        }
        int[] ax = axes.stream().mapToInt(Integer::intValue).toArray();
        Tensor reduced = ax.length == 0 ? g : g.sum(ax, false);
        if (reduced.size() != target.size()) {
            throw new IllegalStateException(op + ": gradient " + g.shape() + " cannot be reduced to " + target);
        }
        return reduced.reshape(target.dims());
    }
}

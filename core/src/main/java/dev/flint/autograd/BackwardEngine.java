package dev.flint.autograd;

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
 * the leaves, accumulating gradients where a value is used more than once. The arithmetic (adding,
 * reducing broadcast gradients, accumulating into leaves, freeing) is the value type's
 * {@link GradientMath}.
 */
public final class BackwardEngine {
    private BackwardEngine() {
    }

    /**
     * Back-propagates {@code seed}, the gradient of {@code root}, to every leaf that requires a
     * gradient. Without {@code retainGraph} every node passed through is released.
     */
    public static <V extends Differentiable<V>> void run(V root, V seed, boolean retainGraph, GradientMath<V> math) {
        if (root.gradFn() == null) {
            // A leaf is its own gradient's destination: d root / d root = seed.
            try (GradientMath.Session session = math.open(seed)) {
                assert session != null;
                math.accumulate(root, seed, false);
            }
            return;
        }
        List<V> order = topologicalOrder(root);
        Map<V, V> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        try (GradientMath.Session session = math.open(seed); GradMode.Guard noGrad = GradMode.noGrad()) {
            assert session != null && noGrad != null;
            for (int i = order.size() - 1; i >= 0; i--) {
                V value = order.get(i);
                V g = grads.remove(value);
                if (g == null) {
                    continue;   // no path from the root carries a gradient here
                }
                Node<V> node = value.gradFn();
                V[] inputGrads = node.apply(g, retainGraph);
                List<V> inputs = node.inputs();
                if (inputGrads.length != inputs.size()) {
                    throw new IllegalStateException(node.op() + ": backward returned " + inputGrads.length
                            + " gradients for " + inputs.size() + " inputs");
                }
                boolean aliased = false;
                for (int k = 0; k < inputs.size(); k++) {
                    V in = inputs.get(k);
                    V gin = inputGrads[k];
                    if (in == null || gin == null || !in.requiresGrad()) {
                        continue;
                    }
                    aliased |= gin == g;
                    gin = math.reduceToInput(gin, in, node.op());
                    if (in.gradFn() == null) {
                        math.accumulate(in, gin, gin != g && !grads.containsValue(gin) && once(inputGrads, gin));
                    } else {
                        V previous = grads.get(in);
                        grads.put(in, previous == null ? gin : math.add(previous, gin));
                    }
                }
                if (!aliased && !grads.containsValue(g)) {
                    // Free each intermediate gradient as soon as nothing else will read it (an op such as
                    // add hands the same gradient to both inputs).
                    math.free(g);
                }
            }
        }
    }

    /** Whether {@code v} is at most one of {@code values} (by identity). */
    private static boolean once(Object[] values, Object v) {
        int n = 0;
        for (Object x : values) {
            if (x == v) {
                n++;
            }
        }
        return n <= 1;
    }

    /** The values with a graph node reachable from {@code root}, in topological order (inputs first). */
    public static <V extends Differentiable<V>> List<V> topologicalOrder(V root) {
        List<V> order = new ArrayList<>();
        for (V v : reachable(root)) {
            if (v.gradFn() != null) {
                order.add(v);
            }
        }
        return order;
    }

    /**
     * Every value reachable from {@code root} through recorded inputs (leaves included), inputs before
     * the values computed from them; {@code root} last.
     */
    public static <V extends Differentiable<V>> List<V> reachable(V root) {
        List<V> order = new ArrayList<>();
        Set<V> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        // Iterative post-order DFS: deep graphs (long unrolled loops) must not overflow the stack.
        Deque<Frame<V>> stack = new ArrayDeque<>();
        stack.push(new Frame<>(root));
        visited.add(root);
        while (!stack.isEmpty()) {
            Frame<V> frame = stack.peek();
            Node<V> node = frame.value.gradFn();
            List<V> inputs = node == null ? List.of() : node.inputs();
            if (frame.next < inputs.size()) {
                V in = inputs.get(frame.next++);
                if (in != null && visited.add(in)) {
                    stack.push(new Frame<>(in));
                }
            } else {
                stack.pop();
                order.add(frame.value);
            }
        }
        return order;
    }

    private static final class Frame<V> {
        final V value;
        int next;

        Frame(V value) {
            this.value = value;
        }
    }
}

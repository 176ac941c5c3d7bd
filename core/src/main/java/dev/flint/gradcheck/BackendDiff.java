package dev.flint.gradcheck;

import dev.flint.autograd.Graph;
import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Differential testing of two backends: runs one function of tensors on both, from identical inputs,
 * and compares every node of the graph in topological order (naming the first that diverges), the
 * output, and the gradient of every float input.
 *
 * <pre>{@code
 * BackendDiff.Report r = BackendDiff.compare(xs -> model(xs).crossEntropy(labels), inputs,
 *         Backends.get("cuda"), Backends.get("cpu"), BackendDiff.Tolerance.of(1e-4, 1e-3));
 * if (!r.passed()) throw new AssertionError(r.message());   // names the node and the worst element
 * }</pre>
 *
 * <p>Float inputs become leaves that require a gradient on each backend; int inputs (labels) are
 * copied as constants. The function must build the same graph whatever the backend (it should not
 * branch on the backend), which is what every model in Flint does.
 */
public final class BackendDiff {

    /** Elementwise tolerance {@code |a - b| <= atol + rtol * |b|}, with b the reference value. */
    public record Tolerance(double atol, double rtol) {
        public static Tolerance of(double atol, double rtol) {
            return new Tolerance(atol, rtol);
        }

        boolean accepts(double actual, double expected) {
            return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected)
                    || (Double.isNaN(actual) && Double.isNaN(expected));
        }

        double ratio(double actual, double expected) {
            if (Double.isNaN(actual) && Double.isNaN(expected)) {
                return 0;
            }
            double r = Math.abs(actual - expected) / (atol + rtol * Math.abs(expected));
            return Double.isNaN(r) ? Double.POSITIVE_INFINITY : r;
        }
    }

    /** The worst element of one compared tensor. */
    public record Difference(String what, int[] index, double actual, double expected, double ratio) {
        public boolean passed() {
            return ratio <= 1.0;
        }

        @Override
        public String toString() {
            return String.format("%s: worst at %s: got %.7g, expected %.7g (%.3g x tolerance)", what,
                    Arrays.toString(index), actual, expected, ratio);
        }
    }

    /** Every comparison made, the first diverging graph node (or null), and a summary. */
    public record Report(List<Difference> differences, Difference firstDivergingNode) {
        public boolean passed() {
            return differences.stream().allMatch(Difference::passed);
        }

        /** The worst comparison overall. */
        public Difference worst() {
            return differences.stream().max((x, y) -> Double.compare(x.ratio(), y.ratio())).orElse(null);
        }

        public String message() {
            StringBuilder sb = new StringBuilder(passed() ? "backends agree" : "backends differ");
            if (firstDivergingNode != null) {
                sb.append("; first diverging node: ").append(firstDivergingNode);
            }
            Difference w = worst();
            if (w != null) {
                sb.append("; worst: ").append(w);
            }
            for (Difference d : differences) {
                if (!d.passed()) {
                    sb.append("\n  ").append(d);
                }
            }
            return sb.toString();
        }
    }

    private BackendDiff() {
    }

    /**
     * Runs {@code f} on {@code candidate} and on {@code reference} from copies of {@code inputs} and
     * compares graph nodes, output and input gradients.
     */
    public static Report compare(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, Backend candidate,
                                 Backend reference, Tolerance tolerance) {
        try (Scope scope = Scope.open()) {
            List<Tensor> candIn = copies(inputs, candidate);
            List<Tensor> refIn = copies(inputs, reference);
            Tensor candOut = f.apply(candIn);
            Tensor refOut = f.apply(refIn);
            List<Difference> diffs = new ArrayList<>();
            Difference firstDiverging = null;
            List<Tensor> candNodes = Graph.of(candOut).values();
            List<Tensor> refNodes = Graph.of(refOut).values();
            if (candNodes.size() != refNodes.size()) {
                throw new IllegalStateException("the function built different graphs on '" + candidate.name() + "' ("
                        + candNodes.size() + " tensors) and '" + reference.name() + "' (" + refNodes.size() + ")");
            }
            for (int i = 0; i < candNodes.size(); i++) {
                Tensor c = candNodes.get(i);
                Tensor r = refNodes.get(i);
                if (c.gradFn() == null || c.dtype() != DType.FLOAT32) {
                    continue;
                }
                Difference d = diff("node " + i + " " + c.gradFn(), c, r, tolerance);
                if (!d.passed() && firstDiverging == null) {
                    firstDiverging = d;
                }
            }
            diffs.add(diff("output", candOut, refOut, tolerance));
            if (candOut.requiresGrad() && candOut.size() == 1) {
                candOut.backward();
                refOut.backward();
                for (int i = 0; i < inputs.size(); i++) {
                    Tensor cg = candIn.get(i).grad();
                    Tensor rg = refIn.get(i).grad();
                    if (cg != null && rg != null) {
                        diffs.add(diff("gradient of input " + i + " " + inputs.get(i).shape(), cg, rg, tolerance));
                    } else if ((cg == null) != (rg == null)) {
                        throw new IllegalStateException("gradient of input " + i + " exists on only one backend");
                    }
                }
            }
            return new Report(List.copyOf(diffs), firstDiverging);
        }
    }

    /**
     * Compares two tensors of the same shape (on any backends), naming the worst element; for
     * checking, say, every parameter gradient of a model trained on two backends.
     */
    public static Difference diff(String what, Tensor actual, Tensor expected, Tolerance tolerance) {
        if (!actual.shape().equals(expected.shape())) {
            throw new IllegalArgumentException(what + ": shapes differ: " + actual.shape() + " vs " + expected.shape());
        }
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < a.length; i++) {
            double ratio = tolerance.ratio(a[i], e[i]);
            if (worst < 0 || ratio > worstRatio) {
                worst = i;
                worstRatio = ratio;
            }
        }
        if (worst < 0) {
            return new Difference(what, new int[0], 0, 0, 0);
        }
        return new Difference(what, unravel(worst, actual.shape().dims()), a[worst], e[worst], worstRatio);
    }

    private static List<Tensor> copies(List<Tensor> inputs, Backend backend) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : inputs) {
            Tensor c = t.dtype() == DType.FLOAT32
                    ? Tensor.on(backend).fromFloats(t.toFloatArray(), t.shape()).requiresGrad(true)
                    : Tensor.on(backend).fromInts(t.toIntArray(), t.shape());
            out.add(c);
        }
        return out;
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] idx = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            idx[d] = flat % dims[d];
            flat /= dims[d];
        }
        return idx;
    }
}

package dev.flint.gradcheck;

import dev.flint.autograd.GradMode;
import dev.flint.backend.DType;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Compares the analytic gradients of any function of tensors with central finite differences and
 * reports the worst element. Public API: use it to check your own ops and layers.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(xs -> xs.get(0).matmul(xs.get(1)).tanh(), List.of(a, b));
 * if (!r.passed()) throw new AssertionError(r.message());
 * }</pre>
 *
 * <p>A non-scalar output is reduced to the scalar {@code sum(f(x) * r)} with fixed random weights
 * {@code r}, which checks every column of the Jacobian. Inputs are float32 leaves; they are not
 * modified (the check works on copies). Differences are taken in float32 evaluation, so keep inputs
 * away from kinks (ReLU at 0, max ties) and use the default step unless you know better.
 */
public final class GradCheck {

    /** Step, tolerances, and how many elements per input to probe at most (chosen at random). */
    public record Options(double eps, double atol, double rtol, int maxElementsPerInput, long seed) {
        public static Options defaults() {
            return new Options(1e-2, 1e-3, 1e-2, 256, 1234L);
        }

        public Options withTolerance(double atol, double rtol) {
            return new Options(eps, atol, rtol, maxElementsPerInput, seed);
        }

        public Options withEps(double eps) {
            return new Options(eps, atol, rtol, maxElementsPerInput, seed);
        }
    }

    /**
     * The outcome, with the worst element: which input, its index, the analytic and numeric values,
     * and the ratio of the error to its tolerance (at most 1 when passed).
     */
    public record Result(boolean passed, int input, int[] index, double analytic, double numeric, double ratio,
                         int checked) {
        public String message() {
            if (input < 0) {
                return "gradcheck: nothing to check";
            }
            return String.format("gradcheck %s: worst at input %d index %s: analytic %.6g, numeric %.6g "
                            + "(error %.3g x tolerance; %d elements checked)", passed ? "passed" : "FAILED", input,
                    Arrays.toString(index), analytic, numeric, ratio, checked);
        }
    }

    private GradCheck() {
    }

    /** Checks with {@link Options#defaults()}. */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {
        return check(f, inputs, Options.defaults());
    }

    /** Checks every float32 input's gradient of {@code f} at {@code inputs}. */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, Options options) {
        List<float[]> values = new ArrayList<>();
        for (Tensor t : inputs) {
            values.add(t.dtype() == DType.FLOAT32 ? t.toFloatArray() : null);
        }
        Rng rng = new Rng(options.seed());
        float[] projection;
        double[][] analytic = new double[inputs.size()][];
        try (Scope scope = Scope.open()) {
            List<Tensor> leaves = leaves(inputs, values, -1, 0, 0);
            Tensor out = f.apply(leaves);
            projection = new float[out.size()];
            for (int i = 0; i < projection.length; i++) {
                projection[i] = 0.5f + rng.nextFloat();
            }
            Tensor loss = project(out, projection);
            loss.backward();
            for (int i = 0; i < inputs.size(); i++) {
                Tensor g = leaves.get(i).grad();
                if (values.get(i) != null) {
                    analytic[i] = new double[values.get(i).length];
                    if (g != null) {
                        float[] gv = g.toFloatArray();
                        for (int k = 0; k < gv.length; k++) {
                            analytic[i][k] = gv[k];
                        }
                    }
                }
            }
            for (Tensor leaf : leaves) {
                leaf.zeroGrad();
            }
        }
        int worstInput = -1;
        int worstIndex = -1;
        double worstRatio = -1;
        double worstAnalytic = 0;
        double worstNumeric = 0;
        int checked = 0;
        for (int i = 0; i < inputs.size(); i++) {
            float[] v = values.get(i);
            if (v == null) {
                continue;
            }
            for (int k : sample(v.length, options.maxElementsPerInput(), rng)) {
                double plus = evaluate(f, inputs, values, i, k, options.eps(), projection);
                double minus = evaluate(f, inputs, values, i, k, -options.eps(), projection);
                double numeric = (plus - minus) / (2 * options.eps());
                double ratio = Math.abs(analytic[i][k] - numeric) / (options.atol() + options.rtol() * Math.abs(numeric));
                if (Double.isNaN(ratio)) {
                    ratio = Double.POSITIVE_INFINITY;
                }
                checked++;
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    worstInput = i;
                    worstIndex = k;
                    worstAnalytic = analytic[i][k];
                    worstNumeric = numeric;
                }
            }
        }
        int[] index = worstInput < 0 ? new int[0] : unravel(worstIndex, inputs.get(worstInput).shape().dims());
        return new Result(worstRatio <= 1.0, worstInput, index, worstAnalytic, worstNumeric, worstRatio, checked);
    }

    /** Like {@link #check} but throws an {@link AssertionError} with the worst element when it fails. */
    public static void assertGradients(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, Options options) {
        Result r = check(f, inputs, options);
        if (!r.passed()) {
            throw new AssertionError(r.message());
        }
    }

    private static double evaluate(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, List<float[]> values,
                                   int which, int element, double delta, float[] projection) {
        try (Scope scope = Scope.open(); GradMode.Guard noGrad = GradMode.noGrad()) {
            assert noGrad != null;
            List<Tensor> leaves = leaves(inputs, values, which, element, delta);
            return project(f.apply(leaves), projection).item();
        }
    }

    private static List<Tensor> leaves(List<Tensor> inputs, List<float[]> values, int which, int element,
                                       double delta) {
        List<Tensor> leaves = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            float[] v = values.get(i);
            if (v == null) {
                leaves.add(t);
                continue;
            }
            float[] copy = v.clone();
            if (i == which) {
                copy[element] = (float) (copy[element] + delta);
            }
            Tensor leaf = Tensor.on(t.backend()).fromFloats(copy, t.shape());
            leaves.add(which < 0 ? leaf.requiresGrad(true) : leaf);
        }
        return leaves;
    }

    private static Tensor project(Tensor out, float[] projection) {
        if (out.size() == 1 && out.rank() == 0) {
            return out.mul(projection[0]);
        }
        Tensor r = Tensor.on(out.backend()).fromFloats(projection, out.shape());
        return out.mul(r).sum();
    }

    private static int[] sample(int n, int max, Rng rng) {
        if (n <= max) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        rng.shuffle(perm);
        return Arrays.copyOf(perm, max);
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] idx = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            idx[d] = dims[d] == 0 ? 0 : flat % dims[d];
            flat = dims[d] == 0 ? flat : flat / dims[d];
        }
        return idx;
    }
}

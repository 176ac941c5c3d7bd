package dev.flint.conformance;

import dev.flint.backend.Backend;
import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property tests (jqwik) of the tensor front end on one backend: random shapes and broadcasts for the
 * elementwise, reduction and matrix-product families. Every try checks two things: the result equals
 * a float64 computation written out here with plain loops (within float32 rounding), and the gradient
 * of every input equals central finite differences ({@link GradCheck}), which is what catches a wrong
 * broadcast reduction of a gradient.
 *
 * <p>A backend module runs it by extending it, as with the other suites:
 *
 * <pre>{@code
 * class CpuTensorPropertiesTest extends TensorPropertySuite {
 *     protected Backend backend() { return Backends.get("cpu"); }
 * }
 * }</pre>
 *
 * <p>Tries per property come from jqwik's {@code jqwik.tries.default}, which the build sets from
 * {@code flint.property.tries}: a few dozen in {@code mvn verify}, thousands with {@code -Plong}. A
 * failure prints the shrunk case and the seed that reproduces it.
 */
public abstract class TensorPropertySuite {
    /** Largest extent of one dimension; with rank at most 4, at most 256 elements per tensor. */
    private static final int MAX_DIM = 4;
    /** Elements per input whose gradient is checked numerically per try (two forward passes each). */
    private static final int GRAD_ELEMENTS = 12;

    protected abstract Backend backend();

    // ====================================================================== cases

    /** Two shapes that broadcast together, and a seed for their values. */
    public record Broadcast(int[] a, int[] b, long seed) {
        int[] out() {
            int rank = Math.max(a.length, b.length);
            int[] out = new int[rank];
            for (int i = 0; i < rank; i++) {
                int da = dimFromRight(a, rank - 1 - i);
                int db = dimFromRight(b, rank - 1 - i);
                out[i] = Math.max(da, db);
            }
            return out;
        }

        @Override
        public String toString() {
            return Arrays.toString(a) + " with " + Arrays.toString(b) + " (seed " + seed + ")";
        }
    }

    /** A shape, a set of axes to reduce over, keepDims, and a seed. */
    public record Reduction(int[] shape, int[] axes, boolean keepDims, long seed) {
        @Override
        public String toString() {
            return Arrays.toString(shape) + " over " + Arrays.toString(axes) + (keepDims ? " keeping dims" : "")
                    + " (seed " + seed + ")";
        }
    }

    /** {@code op(A) op(B)}, 2-D x 2-D, 3-D x 3-D or 3-D x 2-D, with transpose flags. */
    public record Product(int batch, boolean batchedB, int m, int k, int n, boolean ta, boolean tb, long seed) {
        int[] aShape() {
            int[] mat = ta ? new int[] {k, m} : new int[] {m, k};
            return batch == 0 ? mat : new int[] {batch, mat[0], mat[1]};
        }

        int[] bShape() {
            int[] mat = tb ? new int[] {n, k} : new int[] {k, n};
            return batch > 0 && batchedB ? new int[] {batch, mat[0], mat[1]} : mat;
        }

        @Override
        public String toString() {
            return Arrays.toString(aShape()) + (ta ? "^T" : "") + " x " + Arrays.toString(bShape()) + (tb ? "^T" : "")
                    + " (seed " + seed + ")";
        }
    }

    @Provide
    Arbitrary<Broadcast> broadcasts() {
        Arbitrary<int[]> out = Arbitraries.integers().between(1, MAX_DIM).array(int[].class).ofMinSize(0).ofMaxSize(4);
        return Combinators.combine(out, Arbitraries.longs(), Arbitraries.longs()).as((o, masks, seed) -> {
            // From the output shape, each operand drops some leading dims and sets others to 1.
            SplittableRandom r = new SplittableRandom(masks);
            return new Broadcast(operand(o, r), operand(o, r), seed);
        });
    }

    private static int[] operand(int[] out, SplittableRandom r) {
        int drop = r.nextInt(out.length + 1);
        int[] s = Arrays.copyOfRange(out, drop, out.length);
        for (int i = 0; i < s.length; i++) {
            if (r.nextInt(3) == 0) {
                s[i] = 1;
            }
        }
        return s;
    }

    @Provide
    Arbitrary<Reduction> reductions() {
        Arbitrary<int[]> shapes = Arbitraries.integers().between(1, MAX_DIM).array(int[].class).ofMinSize(1).ofMaxSize(4);
        return Combinators.combine(shapes, Arbitraries.integers().between(1, 15), Arbitraries.of(true, false),
                Arbitraries.longs()).as((shape, mask, keep, seed) -> {
                    List<Integer> axes = new ArrayList<>();
                    for (int i = 0; i < shape.length; i++) {
                        if ((mask >> i & 1) != 0) {
                            axes.add(i);
                        }
                    }
                    if (axes.isEmpty()) {
                        axes.add(shape.length - 1);
                    }
                    return new Reduction(shape, axes.stream().mapToInt(Integer::intValue).toArray(), keep, seed);
                });
    }

    @Provide
    Arbitrary<Product> products() {
        Arbitrary<Integer> size = Arbitraries.integers().between(1, 6);
        Arbitrary<Integer> batch = Arbitraries.integers().between(0, 3);
        Arbitrary<Boolean> flag = Arbitraries.of(true, false);
        return Combinators.combine(batch, flag, size, size, size, flag, flag, Arbitraries.longs())
                .as(Product::new);
    }

    // ====================================================================== elementwise

    /** Binary elementwise ops, with their float64 definition and whether finite differences apply. */
    public enum BinaryCase {
        ADD(Tensor::add, Double::sum, true),
        SUB(Tensor::sub, (x, y) -> x - y, true),
        MUL(Tensor::mul, (x, y) -> x * y, true),
        DIV(Tensor::div, (x, y) -> x / y, true),
        // Kinks at ties: forward only (random values are never within a finite-difference step).
        MAXIMUM(Tensor::maximum, Math::max, false),
        MINIMUM(Tensor::minimum, Math::min, false);

        final java.util.function.BinaryOperator<Tensor> op;
        final DoubleBinaryOperator ref;
        final boolean smooth;

        BinaryCase(java.util.function.BinaryOperator<Tensor> op, DoubleBinaryOperator ref, boolean smooth) {
            this.op = op;
            this.ref = ref;
            this.smooth = smooth;
        }
    }

    /** Unary elementwise ops with their float64 definition and a domain away from poles and kinks. */
    public enum UnaryCase {
        NEG(Tensor::neg, x -> -x, -2, 2, false),
        EXP(Tensor::exp, Math::exp, -3, 3, false),
        LOG(Tensor::log, Math::log, 0.2, 4, true),
        SQRT(Tensor::sqrt, Math::sqrt, 0.2, 4, true),
        SQUARE(Tensor::square, x -> x * x, -2, 2, false),
        ABS(Tensor::abs, Math::abs, 0.1, 2, false),
        TANH(Tensor::tanh, Math::tanh, -3, 3, false),
        SIGMOID(Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), -4, 4, false),
        RELU(Tensor::relu, x -> Math.max(x, 0), 0.1, 2, false);

        final Function<Tensor, Tensor> op;
        final DoubleUnaryOperator ref;
        final double lo;
        final double hi;
        /** Positive inputs only; otherwise a random sign (|x| in [lo, hi] when lo > 0). */
        final boolean positive;

        UnaryCase(Function<Tensor, Tensor> op, DoubleUnaryOperator ref, double lo, double hi, boolean positive) {
            this.op = op;
            this.ref = ref;
            this.lo = lo;
            this.hi = hi;
            this.positive = positive;
        }

        float[] values(int n, SplittableRandom r) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                double x = lo + (hi - lo) * r.nextDouble();
                v[i] = (float) (lo > 0 && !positive && r.nextBoolean() ? -x : x);
            }
            return v;
        }
    }

    @Property
    void binaryOpsBroadcastLikeTheReference(@ForAll("broadcasts") Broadcast c, @ForAll BinaryCase op) {
        SplittableRandom r = new SplittableRandom(c.seed());
        float[] a = awayFromZero(size(c.a()), r);
        float[] b = awayFromZero(size(c.b()), r);
        int[] out = c.out();
        double[] expected = new double[size(out)];
        int[] aIndex = broadcastIndex(c.a(), out);
        int[] bIndex = broadcastIndex(c.b(), out);
        for (int i = 0; i < expected.length; i++) {
            expected[i] = op.ref.applyAsDouble(a[aIndex[i]], b[bIndex[i]]);
        }
        try (Scope scope = Scope.open()) {
            Tensor y = op.op.apply(tensor(a, c.a()), tensor(b, c.b()));
            assertShape(out, y, op + " " + c);
            assertClose(expected, null, 1, y.toFloatArray(), op + " " + c);
        }
        if (op.smooth) {
            gradients(op + " " + c, xs -> op.op.apply(xs.get(0), xs.get(1)), c.seed(),
                    tensorLeaf(a, c.a()), tensorLeaf(b, c.b()));
        }
    }

    @Property
    void unaryOpsMatchTheReference(@ForAll("broadcasts") Broadcast c, @ForAll UnaryCase op) {
        int[] shape = c.out();
        float[] x = op.values(size(shape), new SplittableRandom(c.seed()));
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = op.ref.applyAsDouble(x[i]);
        }
        try (Scope scope = Scope.open()) {
            Tensor y = op.op.apply(tensor(x, shape));
            assertShape(shape, y, op.toString());
            assertClose(expected, null, 1, y.toFloatArray(), op + " of " + Arrays.toString(shape));
        }
        gradients(op + " of " + Arrays.toString(shape), xs -> op.op.apply(xs.get(0)), c.seed(), tensorLeaf(x, shape));
    }

    // ====================================================================== reductions

    /** Reductions over several axes, with and without kept dimensions. */
    public enum ReductionCase {
        SUM, MEAN, MAX
    }

    @Property
    void reductionsMatchTheReference(@ForAll("reductions") Reduction c, @ForAll ReductionCase kind) {
        int[] shape = c.shape();
        float[] x = kind == ReductionCase.MAX ? distinct(size(shape), new SplittableRandom(c.seed()))
                : awayFromZero(size(shape), new SplittableRandom(c.seed()));
        boolean[] reduced = new boolean[shape.length];
        for (int axis : c.axes()) {
            reduced[axis] = true;
        }
        int[] kept = new int[shape.length];
        List<Integer> outDims = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            kept[i] = reduced[i] ? 1 : shape[i];
            if (!reduced[i] || c.keepDims()) {
                outDims.add(kept[i]);
            }
        }
        int[] outShape = outDims.stream().mapToInt(Integer::intValue).toArray();
        int outSize = size(kept);
        double[] expected = new double[outSize];
        double[] scale = new double[outSize];
        int[] counts = new int[outSize];
        Arrays.fill(expected, kind == ReductionCase.MAX ? Double.NEGATIVE_INFINITY : 0);
        int[] target = broadcastIndex(kept, shape);
        for (int i = 0; i < x.length; i++) {
            int o = target[i];
            expected[o] = kind == ReductionCase.MAX ? Math.max(expected[o], x[i]) : expected[o] + x[i];
            scale[o] += Math.abs(x[i]);
            counts[o]++;
        }
        if (kind == ReductionCase.MEAN) {
            for (int o = 0; o < outSize; o++) {
                expected[o] /= counts[o];
                scale[o] /= counts[o];
            }
        }
        Function<List<Tensor>, Tensor> f = xs -> switch (kind) {
            case SUM -> xs.get(0).sum(c.axes(), c.keepDims());
            case MEAN -> xs.get(0).mean(c.axes(), c.keepDims());
            case MAX -> xs.get(0).max(c.axes(), c.keepDims());
        };
        try (Scope scope = Scope.open()) {
            Tensor y = f.apply(List.of(tensor(x, shape)));
            assertShape(outShape, y, kind + " " + c);
            assertClose(expected, kind == ReductionCase.MAX ? null : scale, x.length / outSize, y.toFloatArray(),
                    kind + " " + c);
        }
        gradients(kind + " " + c, f, c.seed(), tensorLeaf(x, shape));
    }

    // ====================================================================== matrix products

    @Property
    void matmulMatchesTheReference(@ForAll("products") Product c) {
        SplittableRandom r = new SplittableRandom(c.seed());
        float[] a = awayFromZero(size(c.aShape()), r);
        float[] b = awayFromZero(size(c.bShape()), r);
        int batches = Math.max(c.batch(), 1);
        double[] expected = new double[batches * c.m() * c.n()];
        double[] scale = new double[expected.length];
        for (int p = 0; p < batches; p++) {
            int aBase = p * c.m() * c.k();
            int bBase = c.batch() > 0 && c.batchedB() ? p * c.k() * c.n() : 0;
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    double sum = 0;
                    double abs = 0;
                    for (int l = 0; l < c.k(); l++) {
                        double av = a[aBase + (c.ta() ? l * c.m() + i : i * c.k() + l)];
                        double bv = b[bBase + (c.tb() ? j * c.k() + l : l * c.n() + j)];
                        sum += av * bv;
                        abs += Math.abs(av * bv);
                    }
                    expected[(p * c.m() + i) * c.n() + j] = sum;
                    scale[(p * c.m() + i) * c.n() + j] = abs;
                }
            }
        }
        int[] outShape = c.batch() > 0 ? new int[] {c.batch(), c.m(), c.n()} : new int[] {c.m(), c.n()};
        Function<List<Tensor>, Tensor> f = xs -> xs.get(0).matmul(xs.get(1), c.ta(), c.tb());
        try (Scope scope = Scope.open()) {
            Tensor y = f.apply(List.of(tensor(a, c.aShape()), tensor(b, c.bShape())));
            assertShape(outShape, y, "matmul " + c);
            assertClose(expected, scale, c.k(), y.toFloatArray(), "matmul " + c);
        }
        gradients("matmul " + c, f, c.seed(), tensorLeaf(a, c.aShape()), tensorLeaf(b, c.bShape()));
    }

    // ====================================================================== helpers

    private Tensor tensor(float[] values, int[] shape) {
        return Tensor.on(backend()).fromFloats(values.clone(), Shape.of(shape));
    }

    private Tensor tensorLeaf(float[] values, int[] shape) {
        return tensor(values, shape).requiresGrad(true);
    }

    /** Finite differences against the analytic gradient of every input; closes the inputs. */
    private static void gradients(String what, Function<List<Tensor>, Tensor> f, long seed, Tensor... inputs) {
        try {
            GradCheck.Options options = new GradCheck.Options(1e-2, 2e-3, 2e-2, GRAD_ELEMENTS, seed);
            GradCheck.Result result = GradCheck.check(f, List.of(inputs), options);
            if (!result.passed()) {
                throw new AssertionError(what + ": " + result.message());
            }
        } finally {
            for (Tensor t : inputs) {
                t.close();
            }
        }
    }

    private static void assertShape(int[] expected, Tensor y, String what) {
        if (!Arrays.equals(expected, y.shape().dims())) {
            throw new AssertionError(what + ": shape " + y.shape() + ", expected " + Arrays.toString(expected));
        }
    }

    /**
     * Float32 results against float64: within a few roundings of the value, or, for sums of {@code terms}
     * products, within the rounding error such a sum can accumulate ({@code scale} is the sum of the
     * terms' magnitudes). Reports the worst element.
     */
    private static void assertClose(double[] expected, double[] scale, int terms, float[] got, String what) {
        if (expected.length != got.length) {
            throw new AssertionError(what + ": " + got.length + " elements, expected " + expected.length);
        }
        for (int i = 0; i < got.length; i++) {
            double magnitude = scale == null ? Math.abs(expected[i]) : scale[i];
            double bound = 1e-6 + 1e-5 * Math.abs(expected[i]) + 4.0 * terms * Tolerance.FLOAT_EPS * magnitude;
            double error = Math.abs(got[i] - expected[i]);
            if (!(error <= bound)) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", float64 reference "
                        + expected[i] + " (error " + error + " > " + bound + ")");
            }
        }
    }

    /** For each element of {@code shape}, the flat index of the element of {@code operand} broadcast to it. */
    private static int[] broadcastIndex(int[] operand, int[] shape) {
        int n = size(shape);
        int[] index = new int[n];
        int[] coords = new int[shape.length];
        for (int flat = 0; flat < n; flat++) {
            int src = 0;
            for (int i = 0; i < operand.length; i++) {
                int axis = shape.length - operand.length + i;
                src = src * operand[i] + (operand[i] == 1 ? 0 : coords[axis]);
            }
            index[flat] = src;
            for (int axis = shape.length - 1; axis >= 0; axis--) {
                if (++coords[axis] < shape[axis]) {
                    break;
                }
                coords[axis] = 0;
            }
        }
        return index;
    }

    private static int dimFromRight(int[] shape, int fromRight) {
        return fromRight < shape.length ? shape[shape.length - 1 - fromRight] : 1;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Values with |x| in [0.5, 2], random signs: safe divisors, no kinks. */
    private static float[] awayFromZero(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float x = (float) (0.5 + 1.5 * r.nextDouble());
            v[i] = r.nextBoolean() ? x : -x;
        }
        return v;
    }

    /** Distinct values at least 0.05 apart (a finite-difference step cannot reorder them), shuffled. */
    private static float[] distinct(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.05 * (i - n / 2.0) + 0.01 * r.nextDouble());
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }
}

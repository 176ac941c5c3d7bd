package dev.flint.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every differentiable op's analytic gradient against central finite differences, on the backend a
 * subclass names. Inputs are drawn away from kinks (ReLU at 0, max ties) so that finite differences
 * are meaningful in float32.
 */
public abstract class GradientConformanceSuite {

    /** The backend under test. */
    protected abstract Backend backend();

    private final Rng rng = new Rng(20261126L);

    /** Uniform values in +-[0.2, 1.2] (never near 0), for ops with kinks at 0. */
    protected Tensor awayFromZero(int... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            float m = 0.2f + rng.nextFloat();
            v[i] = rng.nextFloat() < 0.5f ? -m : m;
        }
        return Tensor.on(backend()).fromFloats(v, s);
    }

    /** Uniform values in [lo, hi). */
    protected Tensor uniform(float lo, float hi, int... dims) {
        return Tensor.on(backend()).uniform(Shape.of(dims), lo, hi, rng);
    }

    /** Distinct values (a shuffled ramp with gaps of 0.1), so max/argmax have no near-ties. */
    protected Tensor distinct(int... dims) {
        Shape s = Shape.of(dims);
        int[] perm = new int[s.size()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        rng.shuffle(perm);
        float[] v = new float[perm.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (perm[i] - v.length / 2) * 0.1f;   // integer offset: values are multiples of 0.1
        }
        return Tensor.on(backend()).fromFloats(v, s);
    }

    protected Tensor labels(int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(classes);
        }
        return Tensor.on(backend()).fromInts(y, Shape.of(n));
    }

    protected void check(String what, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        check(what, GradCheck.Options.defaults(), f, inputs);
    }

    protected void check(String what, GradCheck.Options options, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(f, List.of(inputs), options);
        assertTrue(r.passed(), () -> what + " on '" + backend().name() + "': " + r.message());
        assertTrue(r.checked() > 0, what + ": nothing was checked");
    }

    // ------------------------------------------------------------------ elementwise, broadcasting

    @Test
    void addSubWithBroadcasting() {
        check("add (3,4)+(4)", xs -> xs.get(0).add(xs.get(1)), uniform(-1, 1, 3, 4), uniform(-1, 1, 4));
        check("add (3,1)+(1,4)", xs -> xs.get(0).add(xs.get(1)), uniform(-1, 1, 3, 1), uniform(-1, 1, 1, 4));
        check("sub (2,3,4)-(3,1)", xs -> xs.get(0).sub(xs.get(1)), uniform(-1, 1, 2, 3, 4), uniform(-1, 1, 3, 1));
        check("sub scalar-(5)", xs -> xs.get(0).sub(xs.get(1)), uniform(-1, 1), uniform(-1, 1, 5));
    }

    @Test
    void mulDivWithBroadcasting() {
        check("mul (2,3)*(2,1)", xs -> xs.get(0).mul(xs.get(1)), uniform(-1, 1, 2, 3), uniform(-1, 1, 2, 1));
        check("div (4,3)/(3)", xs -> xs.get(0).div(xs.get(1)), uniform(-1, 1, 4, 3), uniform(0.5f, 2f, 3));
        check("same tensor twice: x*x", xs -> xs.get(0).mul(xs.get(0)), uniform(-1, 1, 6));
        // add hands one gradient tensor to two intermediate inputs: neither branch may free it early.
        check("sum of two reductions", xs -> xs.get(0).mean().add(xs.get(0).square().sum()), uniform(-1, 1, 6));
    }

    @Test
    void powMaximumMinimum() {
        check("pow tensor", xs -> xs.get(0).pow(xs.get(1)), uniform(0.5f, 2f, 3, 2), uniform(-1.5f, 1.5f, 2));
        check("pow scalar", xs -> xs.get(0).pow(3f), uniform(0.5f, 2f, 7));
        check("maximum", xs -> xs.get(0).maximum(xs.get(1)), distinct(3, 4), distinct(4).add(0.05f));
        check("minimum", xs -> xs.get(0).minimum(xs.get(1)), distinct(3, 4), distinct(3, 1).add(0.05f));
    }

    @Test
    void unaryFunctions() {
        check("neg", xs -> xs.get(0).neg(), uniform(-1, 1, 5));
        check("exp", xs -> xs.get(0).exp(), uniform(-2, 2, 2, 3));
        check("log", xs -> xs.get(0).log(), uniform(0.5f, 3, 2, 3));
        check("sqrt", xs -> xs.get(0).sqrt(), uniform(0.5f, 3, 4));
        check("square", xs -> xs.get(0).square(), uniform(-2, 2, 4));
        check("abs", xs -> xs.get(0).abs(), awayFromZero(3, 3));
        check("clamp", xs -> xs.get(0).clamp(-0.55f, 0.55f), distinct(4, 5));
        check("affine", xs -> xs.get(0).mul(3f).add(2f).div(4f).sub(1f), uniform(-1, 1, 6));
        check("affine in one op", xs -> xs.get(0).affine(-1.5f, 0.25f), uniform(-1, 1, 6));
        check("reciprocal", xs -> xs.get(0).reciprocal(), uniform(0.5f, 2, 5));
    }

    // ------------------------------------------------------------------ linear algebra, reductions

    @Test
    void matmulAllForms() {
        check("matmul 2-D", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 3, 4), uniform(-1, 1, 4, 5));
        check("matmul batched 3-D", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 2, 3, 4),
                uniform(-1, 1, 2, 4, 2));
        check("matmul 3-D x 2-D", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 2, 3, 4), uniform(-1, 1, 4, 2));
        check("matmul x w^T (transpose passed to GEMM)", xs -> xs.get(0).matmul(xs.get(1), false, true),
                uniform(-1, 1, 3, 4), uniform(-1, 1, 5, 4));
        check("matmul a^T b", xs -> xs.get(0).matmul(xs.get(1), true, false), uniform(-1, 1, 4, 3),
                uniform(-1, 1, 4, 5));
        check("matmul a^T b^T", xs -> xs.get(0).matmul(xs.get(1), true, true), uniform(-1, 1, 4, 3),
                uniform(-1, 1, 5, 4));
        check("batched a^T b^T", xs -> xs.get(0).matmul(xs.get(1), true, true), uniform(-1, 1, 2, 4, 3),
                uniform(-1, 1, 2, 5, 4));
        check("batched q k^T", xs -> xs.get(0).matmul(xs.get(1), false, true), uniform(-1, 1, 2, 3, 4),
                uniform(-1, 1, 2, 5, 4));
        check("3-D^T x 2-D^T", xs -> xs.get(0).matmul(xs.get(1), true, true), uniform(-1, 1, 2, 4, 3),
                uniform(-1, 1, 5, 4));
        check("linear with bias", xs -> xs.get(0).linear(xs.get(1), xs.get(2)), uniform(-1, 1, 3, 4),
                uniform(-1, 1, 5, 4), uniform(-1, 1, 5));
        check("t used elsewhere and twice", xs -> xs.get(0).t().mul(xs.get(1)).add(xs.get(0).t().t().sum()),
                uniform(-1, 1, 2, 3), uniform(-1, 1, 3, 2));
    }

    @Test
    void sumMeanMaxOverAxes() {
        check("sum all", xs -> xs.get(0).sum(), uniform(-1, 1, 3, 4));
        check("sum axis 1 keepdims", xs -> xs.get(0).sum(1, true), uniform(-1, 1, 3, 4, 2));
        check("sum axes 0,2", xs -> xs.get(0).sum(new int[] {0, 2}, false), uniform(-1, 1, 3, 4, 2));
        check("mean all", xs -> xs.get(0).mean(), uniform(-1, 1, 5, 2));
        check("mean axis -1", xs -> xs.get(0).mean(-1, false), uniform(-1, 1, 5, 2));
        check("max all", xs -> xs.get(0).max(), distinct(4, 3));
        check("max axis 0 keepdims", xs -> xs.get(0).max(0, true), distinct(4, 3));
        check("max axis 1", xs -> xs.get(0).max(1, false), distinct(2, 5, 3));
    }

    // ------------------------------------------------------------------ activations, softmax

    @Test
    void activations() {
        check("relu", xs -> xs.get(0).relu(), awayFromZero(4, 5));
        check("leakyRelu", xs -> xs.get(0).leakyRelu(0.1f), awayFromZero(4, 5));
        check("sigmoid", xs -> xs.get(0).sigmoid(), uniform(-3, 3, 4, 5));
        check("tanh", xs -> xs.get(0).tanh(), uniform(-2, 2, 4, 5));
    }

    @Test
    void softmaxAndLogSoftmax() {
        check("softmax last dim", xs -> xs.get(0).softmax(-1), uniform(-2, 2, 3, 5));
        check("softmax dim 0", xs -> xs.get(0).softmax(0), uniform(-2, 2, 3, 5));
        check("logSoftmax last dim", xs -> xs.get(0).logSoftmax(1), uniform(-2, 2, 4, 6));
        check("logSoftmax middle dim", xs -> xs.get(0).logSoftmax(1), uniform(-2, 2, 2, 3, 4));
        check("softmax of inputs near 100", xs -> xs.get(0).softmax(-1), uniform(99, 101, 2, 4));
    }

    @Test
    void maskedSoftmax() {
        float inf = Float.NEGATIVE_INFINITY;
        Tensor mask = Tensor.on(backend()).fromFloats(new float[] {0, inf, 0.5f, 0, -1, 0, inf, 0, 2, 0, 0, inf},
                Shape.of(3, 4));
        check("maskedSoftmax causal", xs -> xs.get(0).maskedSoftmax(null, true), uniform(-2, 2, 2, 4, 4));
        check("maskedSoftmax additive mask (3, 4) over (2, 3, 4)", xs -> xs.get(0).maskedSoftmax(mask, false),
                uniform(-2, 2, 2, 3, 4));
        check("maskedSoftmax with a learned mask and causal, Tq < Tk",
                xs -> xs.get(0).maskedSoftmax(xs.get(1), true), uniform(-2, 2, 2, 3, 5), uniform(-1, 1, 3, 5));
    }

    // ------------------------------------------------------------------ normalization, embedding, attention

    @Test
    void layerNorm() {
        check("layerNorm with weight and bias", xs -> xs.get(0).layerNorm(xs.get(1), xs.get(2), 1e-5f),
                uniform(-2, 2, 3, 6), uniform(0.5f, 1.5f, 6), uniform(-1, 1, 6));
        check("layerNorm plain over (2, 3, 5)", xs -> xs.get(0).layerNorm(null, null, 1e-5f), uniform(-2, 2, 2, 3, 5));
        check("layerNorm weight only, large eps", xs -> xs.get(0).layerNorm(xs.get(1), null, 0.1f),
                uniform(-1, 1, 4, 3), uniform(-2, 2, 3));
        // A mean of 10 against a spread of 1; much further and float32 finite differences are noise.
        check("layerNorm of inputs near 10", xs -> xs.get(0).layerNorm(xs.get(1), xs.get(2), 1e-5f),
                uniform(9, 11, 2, 8), uniform(0.5f, 1.5f, 8), uniform(-1, 1, 8));
    }

    @Test
    void batchNorm() {
        Tensor rm = Tensor.on(backend()).zeros(Shape.of(3));
        Tensor rv = Tensor.on(backend()).ones(Shape.of(3));
        check("batchNorm training (N, C, H, W)", xs -> xs.get(0).batchNorm(rm, rv, xs.get(1), xs.get(2), true, 0.1f,
                1e-5f), uniform(-2, 2, 2, 3, 2, 3), uniform(0.5f, 1.5f, 3), uniform(-1, 1, 3));
        check("batchNorm training (N, C), no running statistics, no affine",
                xs -> xs.get(0).batchNorm(null, null, null, null, true, 0.1f, 1e-5f), uniform(-2, 2, 5, 4));
        Tensor m = Tensor.on(backend()).fromFloats(new float[] {0.5f, -0.5f, 1}, Shape.of(3));
        Tensor v = Tensor.on(backend()).fromFloats(new float[] {2, 0.5f, 1.5f}, Shape.of(3));
        check("batchNorm evaluation (N, C, L)", xs -> xs.get(0).batchNorm(m, v, xs.get(1), xs.get(2), false, 0.1f,
                1e-5f), uniform(-2, 2, 2, 3, 4), uniform(0.5f, 1.5f, 3), uniform(-1, 1, 3));
    }

    @Test
    void embedding() {
        Tensor ids = Tensor.on(backend()).fromInts(new int[] {4, 0, 2, 4, 4, 3}, Shape.of(2, 3));
        check("embedding with repeats", xs -> xs.get(0).embedding(ids, -1), uniform(-1, 1, 5, 3));
        // a padding index that is never looked up leaves the derivative intact
        check("embedding with an unused padding index", xs -> xs.get(0).embedding(ids, 1), uniform(-1, 1, 5, 3));
    }

    @Test
    void matmulBroadcastsBatches() {
        check("matmul (1, 3, 4, 5) x (2, 3, 5, 2)", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 1, 3, 4, 5),
                uniform(-1, 1, 2, 3, 5, 2));
        check("matmul (2, 3, 4, 5) x (5, 3)", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 2, 3, 4, 5),
                uniform(-1, 1, 5, 3));
        check("matmul (4, 5) x (2, 3, 5, 2)", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 4, 5),
                uniform(-1, 1, 2, 3, 5, 2));
        check("matmul (2, 1, 5, 4)^T x (2, 3, 6, 5)^T", xs -> xs.get(0).matmul(xs.get(1), true, true),
                uniform(-1, 1, 2, 1, 5, 4), uniform(-1, 1, 2, 3, 6, 5));
        check("matmul (3, 1, 4, 2) x (1, 2, 2, 3)", xs -> xs.get(0).matmul(xs.get(1)), uniform(-1, 1, 3, 1, 4, 2),
                uniform(-1, 1, 1, 2, 2, 3));
    }

    /**
     * Every attention evaluation is a few kernel launches, which the CUDA emulator runs thousands of times over;
     * 24 elements per input, drawn at random, check the Jacobian well (the conformance suite checks every value).
     */
    private static final GradCheck.Options ATTENTION = new GradCheck.Options(1e-2, 1e-3, 1e-2, 24, 1234L);

    @Test
    void scaledDotProductAttention() {
        check("attention causal (2, 2, 4, 3)", ATTENTION,
                xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), null, true),
                uniform(-1, 1, 2, 2, 4, 3), uniform(-1, 1, 2, 2, 4, 3), uniform(-1, 1, 2, 2, 4, 3));
        float inf = Float.NEGATIVE_INFINITY;
        Tensor mask = Tensor.on(backend()).fromFloats(new float[] {0, -1, inf, 0.5f, 0, 1, 0, 0, inf, 0, 0, 2},
                Shape.of(3, 4));
        check("attention with a mask, Tq 3, Tk 4, Dv 2", ATTENTION,
                xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), mask, false),
                uniform(-1, 1, 2, 3, 5), uniform(-1, 1, 2, 4, 5), uniform(-1, 1, 2, 4, 2));
        Tensor padding = Tensor.on(backend()).fromFloats(new float[] {0, 0, 0, inf, 0, inf, 0, 0}, Shape.of(2, 1, 1, 4));
        check("attention causal with a padding mask (B, 1, 1, T)", ATTENTION,
                xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), padding, true),
                uniform(-1, 1, 2, 2, 4, 3), uniform(-1, 1, 2, 2, 4, 3), uniform(-1, 1, 2, 2, 4, 3));
        check("attention with q = k = v", ATTENTION,
                xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(0), xs.get(0), null, true),
                uniform(-1, 1, 1, 2, 5, 4));
        check("self-attention over a packed (2, 4, 3 * 6) projection, 2 heads", ATTENTION,
                xs -> xs.get(0).selfAttention(2, null, true), uniform(-1, 1, 2, 4, 18));
        check("self-attention, 3 heads, not causal, padding mask", ATTENTION,
                xs -> xs.get(0).selfAttention(3, padding, false), uniform(-1, 1, 2, 4, 9));
    }

    // ------------------------------------------------------------------ losses

    @Test
    void losses() {
        check("mse", xs -> xs.get(0).mse(xs.get(1)), uniform(-1, 1, 4, 3), uniform(-1, 1, 4, 3));
        Tensor y = labels(6, 4);
        check("crossEntropy", xs -> xs.get(0).crossEntropy(y), uniform(-2, 2, 6, 4));
        check("crossEntropy with large logits", xs -> xs.get(0).crossEntropy(y), uniform(95, 105, 6, 4));
        // Distinct scores keep every margin s_j - s_y + 1 away from the hinge's kink at 0 (steps of 0.1
        // differ from the margin by multiples of 0.1, never by less than the finite-difference step).
        check("hinge", GradCheck.Options.defaults().withEps(1e-3).withTolerance(2e-3, 2e-2),
                xs -> xs.get(0).hinge(y, 1.05f), distinct(6, 4));
    }

    // ------------------------------------------------------------------ convolution, pooling, dropout

    @Test
    void conv2dWithStrideAndPadding() {
        check("conv2d 3x3 pad 1 with bias", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), 1, 1, 1, 1),
                uniform(-1, 1, 2, 3, 5, 5), uniform(-1, 1, 4, 3, 3, 3), uniform(-1, 1, 4));
        check("conv2d 3x2 stride 2 no bias", xs -> xs.get(0).conv2d(xs.get(1), null, 2, 2, 0, 1),
                uniform(-1, 1, 2, 2, 7, 6), uniform(-1, 1, 3, 2, 3, 2));
    }

    @Test
    void pooling() {
        check("maxPool2d 2x2", xs -> xs.get(0).maxPool2d(2, 2, 2, 2, 0, 0), distinct(2, 2, 4, 4));
        check("maxPool2d 3x3 stride 2 pad 1", xs -> xs.get(0).maxPool2d(3, 3, 2, 2, 1, 1), distinct(1, 2, 5, 5));
        check("avgPool2d 2x2", xs -> xs.get(0).avgPool2d(2, 2, 2, 2, 0, 0), uniform(-1, 1, 2, 2, 4, 4));
        check("avgPool2d 3x3 stride 1 pad 1", xs -> xs.get(0).avgPool2d(3, 3, 1, 1, 1, 1), uniform(-1, 1, 1, 1, 4, 5));
    }

    @Test
    void dropoutWithAFixedMask() {
        // A fresh generator with the same seed on every evaluation gives the same mask each time.
        check("dropout", xs -> xs.get(0).dropout(0.4f, true, new Rng(7)), uniform(-1, 1, 5, 6));
    }

    // ------------------------------------------------------------------ shape ops

    @Test
    void shapeOps() {
        check("reshape", xs -> xs.get(0).reshape(4, -1).mul(xs.get(1)), uniform(-1, 1, 2, 6), uniform(-1, 1, 3));
        check("permute", xs -> xs.get(0).permute(2, 0, 1), uniform(-1, 1, 2, 3, 4));
        check("transpose", xs -> xs.get(0).transpose(0, 2), uniform(-1, 1, 2, 3, 4));
        check("slice", xs -> xs.get(0).slice(1, 3), uniform(-1, 1, 4, 3));
        Tensor idx = Tensor.on(backend()).fromInts(new int[] {2, 0, 2, 1}, Shape.of(4));
        check("indexSelect with repeats", xs -> xs.get(0).indexSelect(idx), uniform(-1, 1, 3, 2));
        check("concat dim 1", xs -> Tensor.concat(List.of(xs.get(0), xs.get(1)), 1), uniform(-1, 1, 2, 3),
                uniform(-1, 1, 2, 2));
        check("concat dim 0", xs -> Tensor.concat(List.of(xs.get(0), xs.get(1)), 0), uniform(-1, 1, 1, 3),
                uniform(-1, 1, 2, 3));
    }

    // ------------------------------------------------------------------ a small network

    @Test
    void twoLayerNetworkMatchesFiniteDifferences() {
        Tensor x = uniform(-1, 1, 5, 4);
        Tensor y = labels(5, 3);
        check("two-layer network", xs -> xs.get(0).matmul(xs.get(1)).add(xs.get(2)).tanh()
                        .matmul(xs.get(3)).add(xs.get(4)).crossEntropy(y),
                x, uniform(-1, 1, 4, 6), uniform(-0.5f, 0.5f, 6), uniform(-1, 1, 6, 3), uniform(-0.5f, 0.5f, 3));
    }

    @Test
    void smallConvNetMatchesFiniteDifferences() {
        Tensor y = labels(2, 3);
        check("conv -> relu -> pool -> linear", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), 1, 1, 1, 1)
                        .sigmoid().maxPool2d(2, 2, 2, 2, 0, 0).flatten(1).matmul(xs.get(3)).crossEntropy(y),
                uniform(-1, 1, 2, 1, 4, 4), uniform(-1, 1, 2, 1, 3, 3), uniform(-0.5f, 0.5f, 2),
                uniform(-1, 1, 8, 3));
    }
}

package dev.flint.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.autograd.GradMode;
import dev.flint.autograd.Graph;
import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import dev.flint.gradcheck.GradCheck;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Forward values and semantics of the tensor front end (factories, shape ops, broadcasting,
 * reductions, losses, autograd bookkeeping, scopes) on the backend a subclass names.
 */
public abstract class TensorOpsSuite {

    protected abstract Backend backend();

    private Tensor t(float[] v, int... dims) {
        return Tensor.on(backend()).fromFloats(v, Shape.of(dims));
    }

    private static void close(float[] expected, float[] actual, float tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            assertTrue(Math.abs(e - a) <= tol * (1 + Math.abs(e)), "element " + i + ": expected " + e + ", got " + a);
        }
    }

    @Test
    void factories() {
        assertArrayEquals(new float[] {0, 0, 0, 0}, Tensor.on(backend()).zeros(Shape.of(2, 2)).toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1}, Tensor.on(backend()).ones(Shape.of(3)).toFloatArray());
        assertArrayEquals(new float[] {2.5f, 2.5f}, Tensor.on(backend()).full(Shape.of(2), 2.5f).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 3}, Tensor.on(backend()).arange(4).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 1}, Tensor.on(backend()).eye(2).toFloatArray());
        assertEquals(7f, Tensor.on(backend()).scalar(7f).item());
        assertEquals(0, Tensor.on(backend()).scalar(7f).rank());
        assertArrayEquals(new int[] {3, 1}, Tensor.on(backend()).fromInts(new int[] {3, 1}, Shape.of(2)).toIntArray());
    }

    @Test
    void randomTensorsDependOnlyOnTheSeed() {
        float[] a = Tensor.on(backend()).randn(Shape.of(100), new Rng(9)).toFloatArray();
        float[] b = Tensor.on(backend()).randn(Shape.of(100), new Rng(9)).toFloatArray();
        assertArrayEquals(a, b);
        float[] u = Tensor.on(backend()).uniform(Shape.of(1000), -2f, 3f, new Rng(1)).toFloatArray();
        double mean = 0;
        for (float v : u) {
            assertTrue(v >= -2f && v < 3f, "uniform value " + v + " outside [-2, 3)");
            mean += v / u.length;
        }
        assertEquals(0.5, mean, 0.2);
        float[] n = Tensor.on(backend()).randn(Shape.of(4000), new Rng(2)).toFloatArray();
        double m = 0;
        double sq = 0;
        for (float v : n) {
            m += v / n.length;
            sq += (double) v * v / n.length;
        }
        assertEquals(0, m, 0.06);
        assertEquals(1, sq, 0.08);
    }

    @Test
    void broadcastingFollowsNumpy() {
        Tensor a = t(new float[] {1, 2, 3}, 3, 1);
        Tensor b = t(new float[] {10, 20}, 1, 2);
        Tensor c = a.add(b);
        assertEquals(Shape.of(3, 2), c.shape());
        assertArrayEquals(new float[] {11, 21, 12, 22, 13, 23}, c.toFloatArray());
        Tensor s = Tensor.on(backend()).scalar(2f);
        assertArrayEquals(new float[] {2, 4, 6}, a.reshape(3).mul(s).toFloatArray());
        assertArrayEquals(new float[] {0.5f, 1, 1.5f}, a.reshape(3).div(s).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0}, a.reshape(3).lt(2f).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 1}, a.reshape(3).ge(s).toFloatArray());
    }

    @Test
    void unaryValues() {
        Tensor x = t(new float[] {-2, 0.5f, 4}, 3);
        close(new float[] {2, -0.5f, -4}, x.neg().toFloatArray(), 0);
        close(new float[] {2, 0.5f, 4}, x.abs().toFloatArray(), 0);
        close(new float[] {-1, 0.5f, 1}, x.clamp(-1, 1).toFloatArray(), 0);
        close(new float[] {4, 0.25f, 16}, x.square().toFloatArray(), 1e-6f);
        close(new float[] {(float) Math.exp(-2), (float) Math.exp(0.5), (float) Math.exp(4)}, x.exp().toFloatArray(), 1e-6f);
        Tensor p = t(new float[] {1, 4, 9}, 3);
        close(new float[] {1, 2, 3}, p.sqrt().toFloatArray(), 1e-6f);
        close(new float[] {0, (float) Math.log(4), (float) Math.log(9)}, p.log().toFloatArray(), 1e-6f);
        close(new float[] {1, 8, 27}, p.sqrt().pow(3f).toFloatArray(), 1e-5f);
        close(new float[] {-2, 4, 9}, x.maximum(t(new float[] {-3, 4, 9}, 3)).toFloatArray(), 0);
    }

    @Test
    void matmulValues() {
        Tensor a = t(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = t(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        assertArrayEquals(new float[] {4, 5, 10, 11}, a.matmul(b).toFloatArray());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, a.t().toFloatArray());
        assertArrayEquals(new float[] {4, 5, 10, 11}, a.matmul(b.t().t()).toFloatArray());
        assertArrayEquals(new float[] {14, 32, 32, 77}, a.matmul(a.t()).toFloatArray());
        assertArrayEquals(new float[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, a.t().matmul(a).toFloatArray());
        assertArrayEquals(new float[] {4, 10, 5, 11}, b.t().matmul(a.t()).toFloatArray());
        assertArrayEquals(new float[] {14, 32, 32, 77}, a.matmul(a, false, true).toFloatArray());
        assertArrayEquals(new float[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, a.matmul(a, true, false).toFloatArray());
        assertArrayEquals(new float[] {4, 10, 5, 11}, b.matmul(a, true, true).toFloatArray());
        Tensor batched = Tensor.concat(List.of(a.reshape(1, 2, 3), a.mul(2f).reshape(1, 2, 3)), 0);
        assertArrayEquals(new float[] {4, 5, 10, 11, 8, 10, 20, 22}, batched.matmul(b).toFloatArray());
        assertEquals(Shape.of(2, 2, 2), batched.matmul(b).shape());
    }

    @Test
    void reductionsWithAxesAndKeepDims() {
        Tensor x = t(new float[] {1, 5, 3, 4, 2, 6}, 2, 3);
        assertEquals(21f, x.sum().item());
        assertEquals(3.5f, x.mean().item());
        assertEquals(6f, x.max().item());
        assertArrayEquals(new float[] {5, 7, 9}, x.sum(0, false).toFloatArray());
        assertEquals(Shape.of(1, 3), x.sum(0, true).shape());
        assertArrayEquals(new float[] {3, 4}, x.mean(1, false).toFloatArray());
        assertArrayEquals(new float[] {5, 6}, x.max(-1, false).toFloatArray());
        assertEquals(Shape.of(2, 1), x.max(1, true).shape());
        assertArrayEquals(new int[] {1, 2}, x.argmax(1).toIntArray());
        assertArrayEquals(new int[] {1, 0, 1}, x.argmax(0).toIntArray());
        assertEquals(Shape.of(), x.sum(new int[] {0, 1}, false).shape());
    }

    @Test
    void softmaxIsStableForLargeInputs() {
        Tensor x = t(new float[] {100, 101, 102, -100, -101, -102}, 2, 3);
        float[] s = x.softmax(1).toFloatArray();
        double e0 = Math.exp(-2);
        double e1 = Math.exp(-1);
        double z = e0 + e1 + 1;
        close(new float[] {(float) (e0 / z), (float) (e1 / z), (float) (1 / z), (float) (1 / z), (float) (e1 / z),
            (float) (e0 / z)}, s, 1e-5f);
        float[] ls = x.logSoftmax(1).toFloatArray();
        for (float v : ls) {
            assertTrue(Float.isFinite(v), "log-softmax of large inputs must be finite, got " + v);
        }
        close(new float[] {(float) Math.log(e0 / z)}, new float[] {ls[0]}, 1e-5f);
        float[] cols = x.softmax(0).toFloatArray();
        assertEquals(1f, cols[0] + cols[3], 1e-6f);
    }

    @Test
    void lossValues() {
        Tensor logits = t(new float[] {2, 1, 0, 0, 0, 3}, 2, 3);
        Tensor y = Tensor.on(backend()).fromInts(new int[] {0, 2}, Shape.of(2));
        double l0 = Math.log(Math.exp(2) + Math.exp(1) + 1) - 2;
        double l1 = Math.log(2 + Math.exp(3)) - 3;
        assertEquals((l0 + l1) / 2, logits.crossEntropy(y).item(), 1e-6);
        // hinge, margin 1: row 0: max(0, 1-2+1) + max(0, 0-2+1) = 0; row 1: max(0, 0-3+1) * 2 = 0
        assertEquals(0f, logits.hinge(y, 1f).item(), 1e-6);
        Tensor wrong = Tensor.on(backend()).fromInts(new int[] {2, 0}, Shape.of(2));
        // row 0, label 2: (2-0+1) + (1-0+1) = 5; row 1, label 0: (0-0+1) + (3-0+1) = 5
        assertEquals(5f, logits.hinge(wrong, 1f).item(), 1e-6);
        assertEquals(2.5f, t(new float[] {1, 2}, 2).mse(t(new float[] {2, 4}, 2)).item(), 1e-6);
    }

    @Test
    void convAndPoolValues() {
        Tensor x = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor w = t(new float[] {1, 0, 0, 1}, 1, 1, 2, 2);
        Tensor b = t(new float[] {10}, 1);
        assertArrayEquals(new float[] {16, 18, 22, 24}, x.conv2d(w, b, 1, 1, 0, 0).toFloatArray());
        assertArrayEquals(new float[] {1, 3, 7, 14}, x.conv2d(w, null, 2, 2, 1, 1).toFloatArray());
        assertArrayEquals(new float[] {5, 6, 8, 9}, x.maxPool2d(2, 2, 1, 1, 0, 0).toFloatArray());
        assertArrayEquals(new float[] {3, 4, 6, 7}, x.avgPool2d(2, 2, 1, 1, 0, 0).toFloatArray());
    }

    @Test
    void dropoutOnlyInTraining() {
        Tensor x = Tensor.on(backend()).ones(Shape.of(10000));
        assertSame(x, x.dropout(0.5f, false, new Rng(1)));
        float[] d = x.dropout(0.25f, true, new Rng(1)).toFloatArray();
        int zeros = 0;
        for (float v : d) {
            assertTrue(v == 0f || Math.abs(v - 1f / 0.75f) < 1e-6, "dropout value " + v);
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(2500, zeros, 200);
    }

    @Test
    void shapeOpsValues() {
        Tensor x = Tensor.on(backend()).arange(24).reshape(2, 3, 4);
        assertEquals(Shape.of(4, 2, 3), x.permute(2, 0, 1).shape());
        assertEquals(13f, x.permute(2, 0, 1).toFloatArray()[1 * 6 + 1 * 3 + 0]);
        assertArrayEquals(new float[] {12, 13, 14, 15}, x.slice(1, 2).reshape(3, 4).slice(0, 1).toFloatArray());
        assertEquals(Shape.of(2, 12), x.flatten(1).shape());
        assertEquals(Shape.of(24), x.flatten().shape());
        Tensor rows = x.reshape(6, 4).indexSelect(Tensor.on(backend()).fromInts(new int[] {5, 0}, Shape.of(2)));
        assertArrayEquals(new float[] {20, 21, 22, 23, 0, 1, 2, 3}, rows.toFloatArray());
        Tensor cat = Tensor.concat(List.of(Tensor.on(backend()).zeros(Shape.of(2, 1)), Tensor.on(backend()).ones(Shape.of(2, 2))), 1);
        assertArrayEquals(new float[] {0, 1, 1, 0, 1, 1}, cat.toFloatArray());
        assertArrayEquals(new int[] {2, 0}, t(new float[] {2.7f, -0.5f}, 2).castTo(DType.INT32).toIntArray());
    }

    @Test
    void gradientsAccumulateAcrossUsesAndCalls() {
        Tensor w = t(new float[] {1, 2}, 2).requiresGrad(true);
        w.mul(w).sum().backward();                 // d/dw sum(w^2) = 2w
        assertArrayEquals(new float[] {2, 4}, w.grad().toFloatArray());
        w.mul(3f).sum().backward();                // accumulates + 3
        assertArrayEquals(new float[] {5, 7}, w.grad().toFloatArray());
        w.zeroGrad();
        assertNull(w.grad());
    }

    @Test
    void noGradAndDetachStopRecording() {
        Tensor w = t(new float[] {1, 2}, 2).requiresGrad(true);
        try (GradMode.Guard g = GradMode.noGrad()) {
            Tensor y = w.mul(2f);
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
        }
        Tensor d = w.mul(2f).detach();
        assertFalse(d.requiresGrad());
        assertTrue(w.mul(2f).requiresGrad());
        assertThrows(IllegalStateException.class, () -> w.mul(2f).requiresGrad(false));
    }

    /**
     * Every function of the elementwise family is a Tensor method named after it ({@code LEAKY_RELU} is
     * {@code leakyRelu(float slope)}), computes what the primitive computes, records a node under its
     * label exactly when it is differentiable, and its gradient through the method matches finite
     * differences: a new {@link UnaryOp} is checked end to end on every backend with no edit here.
     */
    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void everyUnaryOpIsATensorMethod(UnaryOp op) throws Exception {
        String[] words = op.label().split("_");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        Class<?>[] params = new Class<?>[op.parameters().size()];
        Arrays.fill(params, float.class);
        Method method;
        try {
            method = Tensor.class.getMethod(name.toString(), params);
        } catch (NoSuchMethodException e) {
            throw new AssertionError("UnaryOp." + op + " has no Tensor method " + name + "(" + params.length
                    + " float parameters " + op.parameters() + ")", e);
        }
        Unary f = PrimitiveConformanceSuite.unaryUnderTest(op);
        Object[] args = new Object[params.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = i == 0 ? f.a() : f.b();
        }
        // positive (log, sqrt, pow), and away from every kink (0, the clamp range's ends)
        Tensor x = t(new float[] {0.3f, 1.4f, 2.1f, 0.6f, 2.7f, 0.9f}, 2, 3).requiresGrad(true);
        Tensor y = (Tensor) method.invoke(x, args);
        float[] expected = new float[6];
        Storage out = backend().allocate(DType.FLOAT32, 6);
        backend().unary(f, x.storage(), out, 6);
        backend().download(out, 0, expected, 0, 6);
        out.release();
        assertArrayEquals(expected, y.toFloatArray(), 0f, "Tensor." + name + " vs backend.unary(" + f + ")");
        if (op.differentiable()) {
            assertEquals(op.label(), y.gradFn().op());
            GradCheck.Result r = GradCheck.check(xs -> {
                try {
                    return (Tensor) method.invoke(xs.get(0), args);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }, List.of(x));
            assertTrue(r.passed(), "Tensor." + name + ": " + r.message());
        } else {
            assertNull(y.gradFn(), op + " has no gradient, so records nothing");
        }
    }

    @Test
    void graphCanBeListedAndExported() {
        Tensor x = t(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor w = t(new float[] {1, 0, 0, 1}, 2, 2).requiresGrad(true);
        Tensor loss = x.matmul(w).relu().sum();
        Graph<Tensor> g = Graph.of(loss);
        List<String> ops = g.nodes().stream().map(n -> n.op()).toList();
        assertEquals(List.of("matmul", "relu", "sum"), ops);
        assertEquals(List.of(w), g.leaves());
        String dot = g.toDot();
        assertTrue(dot.startsWith("digraph"), dot);
        assertTrue(dot.contains("matmul") && dot.contains("[2, 2]"), dot);
    }

    @Test
    void scopesCloseWhatTheyOwnExceptKeptTensors() {
        Tensor kept;
        Tensor dropped;
        Tensor outside = Tensor.on(backend()).ones(Shape.of(2));
        try (Scope scope = Scope.open()) {
            dropped = outside.mul(2f);
            kept = scope.keep(outside.add(1f));
            assertEquals(1, scope.ownedCount());
        }
        assertTrue(dropped.isClosed());
        assertFalse(kept.isClosed());
        assertFalse(outside.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, dropped::toFloatArray);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        dropped.close();   // twice is harmless
        assertArrayEquals(new float[] {2, 2}, kept.toFloatArray());
    }

    @Test
    void nestedScopeKeepMovesToParent() {
        Tensor inner;
        try (Scope outer = Scope.open()) {
            try (Scope scope = Scope.open()) {
                inner = scope.keep(Tensor.on(backend()).ones(Shape.of(1)));
            }
            assertFalse(inner.isClosed());
            assertEquals(1, outer.ownedCount());
        }
        assertTrue(inner.isClosed());
    }

    @Test
    void reshapeViewsShareStorageSafely() {
        Tensor x = Tensor.on(backend()).arange(6);
        Tensor v = x.reshape(2, 3);
        x.close();
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, v.toFloatArray());
        v.close();
    }

    @Test
    void toStringShowsShapeDtypeBackendAndValues() {
        String s = t(new float[] {1, 2, 3}, 3).toString();
        assertTrue(s.contains("[3]") && s.contains("float32") && s.contains(backend().name()) && s.contains("1"), s);
    }
}

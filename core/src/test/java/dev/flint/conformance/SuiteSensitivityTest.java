package dev.flint.conformance;

import static dev.flint.conformance.ReferenceBackend.d;
import static dev.flint.conformance.ReferenceBackend.f;
import static dev.flint.conformance.ReferenceBackend.i;
import static dev.flint.conformance.ReferenceBackend.store;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Attention;
import dev.flint.backend.Backend;
import dev.flint.backend.BatchNormParams;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.Gemm;
import dev.flint.backend.PoolGeometry;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.SgdParams;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The suite's tolerances are tight enough: each case plants one typical backend bug into
 * {@link ReferenceBackend} (which passes everything as written) and runs the suite's tests for that
 * primitive, which must fail. The bugs are the ones backends really ship: padding off by one, the
 * wrong tie rule, a first step with dampening, TF32 rounding in GEMM, softmax without the max shift.
 */
class SuiteSensitivityTest {

    /** A planted bug, and the suite's tests that must catch it. */
    record Mutation(String bug, ReferenceBackend backend, Consumer<PrimitiveConformanceSuite> tests) {
        @Override
        public String toString() {
            return bug;
        }
    }

    @ParameterizedTest
    @MethodSource("mutations")
    void suiteCatchesPlantedBug(Mutation mutation) {
        PrimitiveConformanceSuite suite = new PrimitiveConformanceSuite() {
            @Override
            protected Backend backend() {
                return mutation.backend();
            }
        };
        AssertionError caught = null;
        suite.openBackend();
        try {
            mutation.tests().accept(suite);
        } catch (AssertionError e) {
            caught = e;
        } finally {
            try {
                suite.checkInputsAndRelease();
            } catch (AssertionError e) {
                caught = caught == null ? e : caught;
            }
        }
        if (caught == null) {
            fail("the conformance suite passed a backend with a planted bug: " + mutation.bug());
        }
    }

    static Stream<Mutation> mutations() {
        return Stream.of(
                new Mutation("avgPool2dForward reads one row off (padding off by one)", new ReferenceBackend() {
                    @Override
                    public void avgPool2dForward(PoolGeometry g, Storage x, Storage y) {
                        double[] out = new double[g.outputSize()];
                        Reference.avgPool2dForward(g, shiftRows(d(x), g.batch() * g.channels(), g.inH(), g.inW()),
                                out);
                        store(out, y, out.length);
                    }
                }, s -> PrimitiveConformanceSuite.poolGeometries().forEach(s::avgPool2dForwardCountsPaddingAsZeros)),

                new Mutation("avgPool2dForward divides by the cells inside the input (count_include_pad=False)",
                        new ReferenceBackend() {
                            @Override
                            public void avgPool2dForward(PoolGeometry g, Storage x, Storage y) {
                                double[] avg = new double[g.outputSize()];
                                double[] inside = new double[g.outputSize()];
                                double[] ones = new double[g.inputSize()];
                                java.util.Arrays.fill(ones, 1);
                                Reference.avgPool2dForward(g, d(x), avg);
                                Reference.avgPool2dForward(g, ones, inside);
                                for (int k = 0; k < avg.length; k++) {
                                    avg[k] /= inside[k];
                                }
                                store(avg, y, avg.length);
                            }
                        }, s -> PrimitiveConformanceSuite.poolGeometries()
                                .forEach(s::avgPool2dForwardCountsPaddingAsZeros)),

                new Mutation("maxPool2dForward lets zero padding win", new ReferenceBackend() {
                    @Override
                    public void maxPool2dForward(PoolGeometry g, Storage x, Storage y, Storage indices) {
                        super.maxPool2dForward(g, x, y, indices);
                        if (g.padH() > 0 || g.padW() > 0) {
                            for (int k = 0; k < g.outputSize(); k++) {
                                f(y)[k] = Math.max(f(y)[k], 0f);
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.poolGeometries().forEach(g -> s
                        .maxPool2dForwardIgnoresPaddingAndTakesTheFirstMaximum(g, PrimitiveConformanceSuite.PoolData.NEGATIVE))),

                new Mutation("maxPool2dForward lets the last maximum win ties", new ReferenceBackend() {
                    @Override
                    public void maxPool2dForward(PoolGeometry g, Storage x, Storage y, Storage indices) {
                        double[] in = d(x);
                        int plane = g.inH() * g.inW();
                        int o = 0;
                        for (int nc = 0; nc < g.batch() * g.channels(); nc++) {
                            for (int oh = 0; oh < g.outH(); oh++) {
                                for (int ow = 0; ow < g.outW(); ow++, o++) {
                                    double best = Double.NEGATIVE_INFINITY;
                                    int at = -1;
                                    for (int kh = 0; kh < g.kernelH(); kh++) {
                                        for (int kw = 0; kw < g.kernelW(); kw++) {
                                            int ih = oh * g.strideH() - g.padH() + kh;
                                            int iw = ow * g.strideW() - g.padW() + kw;
                                            if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()
                                                    && in[nc * plane + ih * g.inW() + iw] >= best) {
                                                best = in[nc * plane + ih * g.inW() + iw];
                                                at = ih * g.inW() + iw;
                                            }
                                        }
                                    }
                                    f(y)[o] = (float) best;
                                    i(indices)[o] = at;
                                }
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.poolGeometries().forEach(g -> s
                        .maxPool2dForwardIgnoresPaddingAndTakesTheFirstMaximum(g, PrimitiveConformanceSuite.PoolData.TIES))),

                new Mutation("conv2dForward reads one row off (padding off by one)", new ReferenceBackend() {
                    @Override
                    public void conv2dForward(ConvGeometry g, Storage x, Storage w, Storage bias, Storage y) {
                        double[] out = new double[g.outputSize()];
                        Reference.conv2dForward(g, shiftRows(d(x), g.batch() * g.inChannels(), g.inH(), g.inW()),
                                d(w), bias == null ? null : d(bias), out);
                        store(out, y, out.length);
                    }
                }, s -> PrimitiveConformanceSuite.convGeometries().forEach(g -> s.conv2dForwardMatchesReference(g, true))),

                new Mutation("conv2dBackwardData accumulates into dx instead of overwriting it", new ReferenceBackend() {
                    @Override
                    public void conv2dBackwardData(ConvGeometry g, Storage dy, Storage w, Storage dx) {
                        double[] out = new double[g.inputSize()];
                        Reference.conv2dBackwardData(g, d(dy), d(w), out);
                        double[] old = d(dx);
                        for (int k = 0; k < out.length; k++) {
                            out[k] += old[k];
                        }
                        store(out, dx, out.length);
                    }
                }, s -> PrimitiveConformanceSuite.convGeometries().forEach(s::conv2dBackwardDataMatchesReference)),

                new Mutation("conv2dBackwardWeight sums over the first image only", new ReferenceBackend() {
                    @Override
                    public void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage dy, Storage dw) {
                        ConvGeometry first = new ConvGeometry(1, g.inChannels(), g.inH(), g.inW(), g.outChannels(),
                                g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(), g.padW());
                        double[] out = new double[g.weightSize()];
                        Reference.conv2dBackwardWeight(first, d(x), d(dy), out);
                        store(out, dw, out.length);
                    }
                }, s -> PrimitiveConformanceSuite.convGeometries().forEach(s::conv2dBackwardWeightMatchesReference)),

                new Mutation("conv2dBackwardData off by one row, only where there is padding", new ReferenceBackend() {
                    @Override
                    public void conv2dBackwardData(ConvGeometry g, Storage dy, Storage w, Storage dx) {
                        double[] out = new double[g.inputSize()];
                        Reference.conv2dBackwardData(g, d(dy), d(w), out);
                        if (g.padH() > 0) {
                            out = shiftRows(out, g.batch() * g.inChannels(), g.inH(), g.inW());
                        }
                        store(out, dx, out.length);
                    }
                }, s -> PrimitiveConformanceSuite.convGeometries().forEach(s::conv2dBackwardDataMatchesReference)),

                new Mutation("avgPool2dBackward off by one row, only where there is padding", new ReferenceBackend() {
                    @Override
                    public void avgPool2dBackward(PoolGeometry g, Storage dy, Storage dx) {
                        double[] out = new double[g.inputSize()];
                        Reference.avgPool2dBackward(g, d(dy), out);
                        if (g.padH() > 0) {
                            out = shiftRows(out, g.batch() * g.channels(), g.inH(), g.inW());
                        }
                        store(out, dx, out.length);
                    }
                }, s -> PrimitiveConformanceSuite.poolGeometries().forEach(s::avgPool2dBackwardSpreadsOverTheKernel)),

                new Mutation("maxPool2dBackward overwrites a winner shared by overlapping windows", new ReferenceBackend() {
                    @Override
                    public void maxPool2dBackward(PoolGeometry g, Storage dy, Storage indices, Storage dx) {
                        int outPlane = g.outH() * g.outW();
                        int plane = g.inH() * g.inW();
                        java.util.Arrays.fill(f(dx), 0, g.inputSize(), 0f);
                        for (int k = 0; k < g.outputSize(); k++) {
                            f(dx)[k / outPlane * plane + i(indices)[k]] = f(dy)[k];
                        }
                    }
                }, s -> PrimitiveConformanceSuite.poolGeometries().forEach(s::maxPool2dBackwardRoutesToTheWinners)),

                new Mutation("softmaxBackward sums dy instead of dy * y", new ReferenceBackend() {
                    @Override
                    public void softmaxBackward(boolean log, Storage y, Storage dy, Storage dx, int rows, int cols) {
                        super.softmaxBackward(log, y, dy, dx, rows, cols);
                        if (!log) {
                            for (int r = 0; r < rows; r++) {
                                double sum = 0;
                                for (int c = 0; c < cols; c++) {
                                    sum += f(dy)[r * cols + c];
                                }
                                for (int c = 0; c < cols; c++) {
                                    int k = r * cols + c;
                                    f(dx)[k] = (float) (f(y)[k] * (f(dy)[k] - sum));
                                }
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.softmaxBackwardCases().forEach(s::softmaxBackwardMatchesReference)),

                new Mutation("layerNormForward normalizes with the unbiased variance", new ReferenceBackend() {
                    @Override
                    public void layerNormForward(Storage x, Storage weight, Storage bias, Storage y, Storage mean,
                                                 Storage rstd, int rows, int cols, float eps) {
                        super.layerNormForward(x, weight, bias, y, mean, rstd, rows, cols, eps);
                        double[] xs = d(x);
                        for (int r = 0; r < rows; r++) {
                            double m = f(mean)[r];
                            double sq = 0;
                            for (int c = 0; c < cols; c++) {
                                sq += (xs[r * cols + c] - m) * (xs[r * cols + c] - m);
                            }
                            double rs = 1 / Math.sqrt(sq / Math.max(1, cols - 1) + eps);
                            f(rstd)[r] = (float) rs;
                            for (int c = 0; c < cols; c++) {
                                f(y)[r * cols + c] = (float) ((xs[r * cols + c] - m) * rs
                                        * (weight == null ? 1 : f(weight)[c]) + (bias == null ? 0 : f(bias)[c]));
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.layerNormCases().forEach(s::layerNormForwardMatchesReference)),

                new Mutation("layerNormForward takes the variance as E[x^2] - mean^2 in float32", new ReferenceBackend() {
                    @Override
                    public void layerNormForward(Storage x, Storage weight, Storage bias, Storage y, Storage mean,
                                                 Storage rstd, int rows, int cols, float eps) {
                        super.layerNormForward(x, weight, bias, y, mean, rstd, rows, cols, eps);
                        float[] xs = f(x);
                        for (int r = 0; r < rows; r++) {
                            float sum = 0;
                            float sq = 0;
                            for (int c = 0; c < cols; c++) {
                                sum += xs[r * cols + c];
                                sq += xs[r * cols + c] * xs[r * cols + c];
                            }
                            float m = sum / cols;
                            f(rstd)[r] = (float) (1 / Math.sqrt(Math.max(0f, sq / cols - m * m) + eps));
                        }
                    }
                }, s -> PrimitiveConformanceSuite.layerNormCases().forEach(s::layerNormForwardMatchesReference)),

                new Mutation("layerNormBackward drops the xhat * mean(g xhat) term of dx", new ReferenceBackend() {
                    @Override
                    public void layerNormBackward(Storage x, Storage weight, Storage mean, Storage rstd, Storage dy,
                                                  Storage dx, Storage dWeight, Storage dBias, int rows, int cols) {
                        super.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias, rows, cols);
                        if (dx == null) {
                            return;
                        }
                        for (int r = 0; r < rows; r++) {
                            double gm = 0;
                            for (int c = 0; c < cols; c++) {
                                gm += f(dy)[r * cols + c] * (weight == null ? 1 : f(weight)[c]) / cols;
                            }
                            for (int c = 0; c < cols; c++) {
                                double g = f(dy)[r * cols + c] * (weight == null ? 1 : f(weight)[c]);
                                f(dx)[r * cols + c] = (float) (f(rstd)[r] * (g - gm));
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.layerNormBackwardCases().forEach(s::layerNormBackwardMatchesReference)),

                new Mutation("layerNormBackward adds into dWeight instead of overwriting it", new ReferenceBackend() {
                    @Override
                    public void layerNormBackward(Storage x, Storage weight, Storage mean, Storage rstd, Storage dy,
                                                  Storage dx, Storage dWeight, Storage dBias, int rows, int cols) {
                        float[] old = dWeight == null ? null : f(dWeight).clone();
                        super.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias, rows, cols);
                        for (int c = 0; old != null && c < cols; c++) {
                            f(dWeight)[c] += old[c];
                        }
                    }
                }, s -> PrimitiveConformanceSuite.layerNormBackwardCases().forEach(s::layerNormBackwardMatchesReference)),

                new Mutation("batchNormForward moves the running var by the biased variance", new ReferenceBackend() {
                    @Override
                    public void batchNormForward(BatchNormParams p, Storage x, Storage weight, Storage bias,
                                                 Storage runningMean, Storage runningVar, Storage y, Storage saveMean,
                                                 Storage saveInvStd) {
                        float[] old = runningVar == null ? null : f(runningVar).clone();
                        super.batchNormForward(p, x, weight, bias, runningMean, runningVar, y, saveMean, saveInvStd);
                        if (old != null && p.training()) {
                            for (int c = 0; c < p.channels(); c++) {
                                double is = f(saveInvStd)[c];
                                double biased = 1 / (is * is) - p.eps();
                                f(runningVar)[c] = (float) ((1 - p.momentum()) * old[c] + p.momentum() * biased);
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.batchNormCases().forEach(s::batchNormForwardMatchesReference)),

                new Mutation("batchNormForward uses the batch's statistics in evaluation mode", new ReferenceBackend() {
                    @Override
                    public void batchNormForward(BatchNormParams p, Storage x, Storage weight, Storage bias,
                                                 Storage runningMean, Storage runningVar, Storage y, Storage saveMean,
                                                 Storage saveInvStd) {
                        BatchNormParams train = new BatchNormParams(p.batch(), p.channels(), p.inner(), true,
                                p.momentum(), p.eps());
                        super.batchNormForward(p.training() ? p : train, x, weight, bias,
                                p.training() ? runningMean : null, p.training() ? runningVar : null, y, saveMean,
                                saveInvStd);
                    }
                }, s -> PrimitiveConformanceSuite.batchNormCases().forEach(s::batchNormForwardMatchesReference)),

                new Mutation("batchNormBackward in training forgets the mean(dy) term", new ReferenceBackend() {
                    @Override
                    public void batchNormBackward(BatchNormParams p, Storage x, Storage weight, Storage saveMean,
                                                  Storage saveInvStd, Storage dy, Storage dx, Storage dWeight,
                                                  Storage dBias) {
                        super.batchNormBackward(p, x, weight, saveMean, saveInvStd, dy, dx, dWeight, dBias);
                        if (!p.training() || dx == null) {
                            return;
                        }
                        for (int c = 0; c < p.channels(); c++) {
                            double sum = 0;
                            for (int n = 0; n < p.batch(); n++) {
                                for (int i = 0; i < p.inner(); i++) {
                                    sum += f(dy)[(n * p.channels() + c) * p.inner() + i];
                                }
                            }
                            double back = (weight == null ? 1 : f(weight)[c]) * f(saveInvStd)[c] * sum / p.count();
                            for (int n = 0; n < p.batch(); n++) {
                                for (int i = 0; i < p.inner(); i++) {
                                    f(dx)[(n * p.channels() + c) * p.inner() + i] += (float) back;
                                }
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.batchNormCases().forEach(s::batchNormBackwardMatchesReference)),

                new Mutation("attentionForward lets row i see key i + 1 (causal off by one)", new ReferenceBackend() {
                    @Override
                    public void attentionForward(Attention a) {
                        super.attentionForward(a.causal() ? withCausalShift(this, a, 1) : a);
                    }
                }, s -> PrimitiveConformanceSuite.attentionCases().forEach(s::attentionForwardMatchesReference)),

                new Mutation("attentionForward reads batch 0's mask for every batch", new ReferenceBackend() {
                    @Override
                    public void attentionForward(Attention a) {
                        Attention.Operand m = a.mask();
                        super.attentionForward(m == null ? a : new Attention(a.batch(), a.heads(), a.queries(), a.keys(),
                                a.headDim(), a.valueDim(), a.scale(), a.causal(), a.q(), a.k(), a.v(),
                                new Attention.Operand(m.data(), m.offset(), 0, m.headStride(), m.rowStride()), a.out(),
                                a.lse()));
                    }
                }, s -> PrimitiveConformanceSuite.attentionCases().forEach(s::attentionForwardMatchesReference)),

                new Mutation("attentionForward exponentiates in float32 without subtracting the row maximum",
                        new ReferenceBackend() {
                    @Override
                    public void attentionForward(Attention a) {
                        super.attentionForward(a);
                        double[] q = d(a.q().data());
                        double[] k = d(a.k().data());
                        double[] v = d(a.v().data());
                        double[] mask = a.mask() == null ? null : d(a.mask().data());
                        for (int b = 0; b < a.batch(); b++) {
                            for (int h = 0; h < a.heads(); h++) {
                                for (int i = 0; i < a.queries(); i++) {
                                    double[] sc = Reference.attentionScores(a, q, k, mask, b, h, i);
                                    float sum = 0;
                                    float[] p = new float[a.keys()];
                                    for (int j = 0; j < a.keys(); j++) {
                                        p[j] = (float) Math.exp((float) sc[j]);
                                        sum += p[j];
                                    }
                                    for (int e = 0; e < a.valueDim(); e++) {
                                        float acc = 0;
                                        for (int j = 0; j < a.keys(); j++) {
                                            acc += p[j] / sum * (float) v[a.v().at(b, h, j) + e];
                                        }
                                        f(a.out().data())[a.out().at(b, h, i) + e] = acc;
                                    }
                                    f(a.lse())[(b * a.heads() + h) * a.queries() + i] = (float) Math.log(sum);
                                }
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.attentionCases().forEach(s::attentionForwardMatchesReference)),

                new Mutation("attentionBackward leaves the scale out of dK", new ReferenceBackend() {
                    @Override
                    public void attentionBackward(Attention a, Attention.Operand dOut, Attention.Operand dq,
                                                  Attention.Operand dk, Attention.Operand dv) {
                        super.attentionBackward(a, dOut, dq, dk, dv);
                        for (int b = 0; b < a.batch(); b++) {
                            for (int h = 0; h < a.heads(); h++) {
                                for (int j = 0; j < a.keys(); j++) {
                                    for (int d = 0; d < a.headDim(); d++) {
                                        f(dk.data())[dk.at(b, h, j) + d] /= a.scale();
                                    }
                                }
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.attentionCases().forEach(s::attentionBackwardMatchesReference)),

                new Mutation("attentionBackward subtracts rowsum(dOut) instead of rowsum(dOut * out)",
                        new ReferenceBackend() {
                    @Override
                    public void attentionBackward(Attention a, Attention.Operand dOut, Attention.Operand dq,
                                                  Attention.Operand dk, Attention.Operand dv) {
                        Storage ones = allocate(dev.flint.backend.DType.FLOAT32, a.out().data().size());
                        java.util.Arrays.fill(f(ones), 1f);
                        Attention.Operand o = a.out();
                        super.attentionBackward(new Attention(a.batch(), a.heads(), a.queries(), a.keys(), a.headDim(),
                                a.valueDim(), a.scale(), a.causal(), a.q(), a.k(), a.v(), a.mask(),
                                new Attention.Operand(ones, o.offset(), o.batchStride(), o.headStride(), o.rowStride()),
                                a.lse()), dOut, dq, dk, dv);
                    }
                }, s -> PrimitiveConformanceSuite.attentionCases().forEach(s::attentionBackwardMatchesReference)),

                new Mutation("gemm reads C when beta == 0 (0 * NaN)", new ReferenceBackend() {
                    @Override
                    public void gemm(Gemm g) {
                        super.gemm(new Gemm(g.batch(), g.m(), g.n(), g.k(), g.alpha(), g.a(), g.b(),
                                g.beta() == 0 ? Float.MIN_VALUE : g.beta(), g.c()));
                    }
                }, s -> PrimitiveConformanceSuite.gemmCases().forEach(s::gemmMatchesReference)),

                new Mutation("gemm assumes packed batches and ignores strideB", new ReferenceBackend() {
                    @Override
                    public void gemm(Gemm g) {
                        Gemm.Operand b = g.b();
                        super.gemm(new Gemm(g.batch(), g.m(), g.n(), g.k(), g.alpha(), g.a(),
                                new Gemm.Operand(b.data(), b.offset(), g.k() * g.n(), b.transposed()), g.beta(), g.c()));
                    }
                }, s -> PrimitiveConformanceSuite.gemmCases().forEach(s::gemmMatchesReference)),

                new Mutation("gemm multiplies in TF32 (10-bit mantissas)", new ReferenceBackend() {
                    @Override
                    public void gemm(Gemm g) {
                        double[] cd = d(g.c().data());
                        Reference.gemm(g.transA(), g.transB(), g.batch(), g.m(), g.n(), g.k(), g.alpha(),
                                tf32(d(g.a().data())), g.a().offset(), g.a().batchStride(), tf32(d(g.b().data())),
                                g.b().offset(), g.b().batchStride(), g.beta(), cd, g.c().offset(), g.c().batchStride());
                        float[] out = f(g.c().data());
                        for (int p = 0; p < g.batch(); p++) {
                            for (int e = 0; e < g.m() * g.n(); e++) {
                                int at = g.c().offset() + p * g.c().batchStride() + e;
                                out[at] = (float) cd[at];
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.gemmCases().forEach(s::gemmMatchesReference)),

                new Mutation("softmaxForward without subtracting the row maximum (float32 exp)", new ReferenceBackend() {
                    @Override
                    public void softmaxForward(boolean log, Storage x, Storage y, int rows, int cols) {
                        for (int r = 0; r < rows; r++) {
                            float sum = 0;
                            for (int c = 0; c < cols; c++) {
                                sum += (float) Math.exp(f(x)[r * cols + c]);
                            }
                            for (int c = 0; c < cols; c++) {
                                float p = (float) Math.exp(f(x)[r * cols + c]) / sum;
                                f(y)[r * cols + c] = log ? (float) Math.log(p) : p;
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.softmaxCases().forEach(s::softmaxForwardIsStable)),

                new Mutation("log-softmax as the log of a float32 softmax (underflows to -inf)", new ReferenceBackend() {
                    @Override
                    public void softmaxForward(boolean log, Storage x, Storage y, int rows, int cols) {
                        super.softmaxForward(false, x, y, rows, cols);
                        if (log) {
                            for (int k = 0; k < rows * cols; k++) {
                                f(y)[k] = (float) Math.log(f(y)[k]);
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.softmaxCases().filter(SuiteSensitivityTest::isLog)
                        .forEach(s::softmaxForwardIsStable)),

                new Mutation("cross-entropy loss as -log of the float32 probability", new ReferenceBackend() {
                    @Override
                    public void softmaxCrossEntropyForward(Storage logits, Storage labels, Storage probs,
                                                           Storage losses, int rows, int classes) {
                        super.softmaxCrossEntropyForward(logits, labels, probs, losses, rows, classes);
                        for (int r = 0; r < rows; r++) {
                            f(losses)[r] = (float) -Math.log(f(probs)[r * classes + i(labels)[r]]);
                        }
                    }
                }, s -> PrimitiveConformanceSuite.crossEntropyCases().forEach(s::softmaxCrossEntropyForwardIsStable)),

                new Mutation("argmax lets the last maximum win ties", new ReferenceBackend() {
                    @Override
                    public void argmax(Storage x, int outer, int extent, int inner, Storage out) {
                        for (int o = 0; o < outer; o++) {
                            for (int in = 0; in < inner; in++) {
                                int best = 0;
                                for (int e = 1; e < extent; e++) {
                                    if (f(x)[(o * extent + e) * inner + in] >= f(x)[(o * extent + best) * inner + in]) {
                                        best = e;
                                    }
                                }
                                i(out)[o * inner + in] = best;
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.reduceShapes().forEach(s::argmaxTakesTheFirstOfTies)),

                new Mutation("reduce MAX starts from 0", new ReferenceBackend() {
                    @Override
                    public void reduce(ReduceOp op, Storage x, int outer, int extent, int inner, Storage out) {
                        super.reduce(op, x, outer, extent, inner, out);
                        if (op == ReduceOp.MAX) {
                            for (int k = 0; k < outer * inner; k++) {
                                f(out)[k] = Math.max(f(out)[k], 0f);
                            }
                        }
                    }
                }, s -> PrimitiveConformanceSuite.reduceShapes()
                        .forEach(shape -> s.reduceMatchesReference(ReduceOp.MAX, shape))),

                new Mutation("binary reads b as if it were contiguous (no broadcasting strides)", new ReferenceBackend() {
                    @Override
                    public void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out,
                                       int[] outDims) {
                        int n = Reference.product(outDims);
                        double[] bd = d(b);
                        double[] wrapped = new double[n];
                        for (int k = 0; k < n; k++) {
                            wrapped[k] = bd[k % bd.length];
                        }
                        double[] result = new double[n];
                        Reference.binary(op, d(a), aStrides, wrapped, Reference.rowMajorStrides(outDims), result,
                                outDims);
                        store(result, out, n);
                    }
                }, s -> PrimitiveConformanceSuite.broadcastCases()
                        .forEach(c -> s.binaryBroadcastsByStrides(BinaryOp.SUB, c))),

                new Mutation("unary writes one element past n", new ReferenceBackend() {
                    @Override
                    public void unary(Unary f, Storage x, Storage y, int n) {
                        super.unary(f, x, y, n);
                        if (y.size() > n) {
                            f(y)[n] = 0f;
                        }
                    }
                }, s -> s.unaryMatchesReference(UnaryOp.NEG)),

                new Mutation("unaryBackward gives ReLU a gradient of 1 at x == 0", new ReferenceBackend() {
                    @Override
                    public void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n) {
                        super.unaryBackward(f, x, y, dy, dx, n);
                        for (int k = 0; k < n; k++) {
                            if (f.op() == UnaryOp.RELU && f(x)[k] == 0) {
                                f(dx)[k] = f(dy)[k];
                            }
                        }
                    }
                }, s -> s.unaryBackwardMatchesReference(UnaryOp.RELU)),

                new Mutation("unaryBackward uses its dy input as scratch", new ReferenceBackend() {
                    @Override
                    public void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n) {
                        super.unaryBackward(f, x, y, dy, dx, n);
                        System.arraycopy(f(dx), 0, f(dy), 0, n);
                    }
                }, s -> s.unaryBackwardMatchesReference(UnaryOp.SIGMOID)),

                new Mutation("unaryBackward derives sigmoid from x, which it declares it does not read",
                        new ReferenceBackend() {
                    @Override
                    public void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n) {
                        if (f.op() != UnaryOp.SIGMOID) {
                            super.unaryBackward(f, x, y, dy, dx, n);
                            return;
                        }
                        for (int k = 0; k < n; k++) {
                            double s = 1 / (1 + Math.exp(-f(x)[k]));
                            f(dx)[k] = (float) (f(dy)[k] * s * (1 - s));
                        }
                    }
                }, s -> s.unaryBackwardMatchesReference(UnaryOp.SIGMOID)),

                new Mutation("scatterAddRows overwrites repeated rows instead of adding", new ReferenceBackend() {
                    @Override
                    public void scatterAddRows(Storage src, Storage indices, Storage dst, int count, int rowLength) {
                        for (int r = 0; r < count; r++) {
                            System.arraycopy(f(src), r * rowLength, f(dst), i(indices)[r] * rowLength, rowLength);
                        }
                    }
                }, s -> PrimitiveConformanceSuite.rowsCases().forEach(s::scatterAddRowsAccumulatesRepeatedIndices)),

                new Mutation("permute applies the inverse permutation", new ReferenceBackend() {
                    @Override
                    public void permute(Storage src, int[] srcDims, int[] perm, Storage dst) {
                        int[] inverse = new int[perm.length];
                        for (int k = 0; k < perm.length; k++) {
                            inverse[perm[k]] = k;
                        }
                        int[] inverseDims = new int[perm.length];
                        for (int k = 0; k < perm.length; k++) {
                            inverseDims[k] = srcDims[k];
                        }
                        super.permute(src, inverseDims, inverse, dst);
                    }
                }, s -> PrimitiveConformanceSuite.permuteCases().forEach(s::permuteMovesEveryElement)),

                new Mutation("copyBlocks ignores dstStride", new ReferenceBackend() {
                    @Override
                    public void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset,
                                           int dstStride, int blocks, int blockLength) {
                        super.copyBlocks(src, srcOffset, srcStride, dst, dstOffset, blockLength, blocks, blockLength);
                    }
                }, s -> PrimitiveConformanceSuite.copyCases().forEach(s::copyBlocksCopiesExactlyTheBlocks)),

                new Mutation("cast rounds floats to the nearest int", new ReferenceBackend() {
                    @Override
                    public void cast(Storage src, Storage dst, int n) {
                        for (int k = 0; k < n; k++) {
                            i(dst)[k] = Math.round(f(src)[k]);
                        }
                    }
                }, PrimitiveConformanceSuite::castFloatToIntTruncatesTowardZero),

                new Mutation("sgdUpdate dampens the first step", new ReferenceBackend() {
                    @Override
                    public void sgdUpdate(Storage param, Storage grad, Storage velocity, int n, SgdParams p) {
                        if (p.firstStep() && velocity != null) {
                            java.util.Arrays.fill(f(velocity), 0, n, 0f);
                            p = new SgdParams(p.lr(), p.momentum(), p.dampening(), p.weightDecay(), p.nesterov(),
                                    false);
                        }
                        super.sgdUpdate(param, grad, velocity, n, p);
                    }
                }, s -> PrimitiveConformanceSuite.sgdCases().forEach(s::sgdFollowsPyTorch)),

                new Mutation("sgdUpdate with nesterov steps along the velocity only", new ReferenceBackend() {
                    @Override
                    public void sgdUpdate(Storage param, Storage grad, Storage velocity, int n, SgdParams p) {
                        super.sgdUpdate(param, grad, velocity, n, new SgdParams(p.lr(), p.momentum(), p.dampening(),
                                p.weightDecay(), false, p.firstStep()));
                    }
                }, s -> PrimitiveConformanceSuite.sgdCases().forEach(s::sgdFollowsPyTorch)),

                new Mutation("adamUpdate without bias correction", new ReferenceBackend() {
                    @Override
                    public void adamUpdate(Storage param, Storage grad, Storage m, Storage v, int n, AdamParams p) {
                        super.adamUpdate(param, grad, m, v, n, new AdamParams(p.lr(), p.beta1(), p.beta2(), p.eps(),
                                p.weightDecay(), p.decoupled(), 1_000_000));
                    }
                }, s -> PrimitiveConformanceSuite.adamCases().forEach(s::adamFollowsPyTorch)),

                new Mutation("adamUpdate applies AdamW's decay as an L2 term", new ReferenceBackend() {
                    @Override
                    public void adamUpdate(Storage param, Storage grad, Storage m, Storage v, int n, AdamParams p) {
                        super.adamUpdate(param, grad, m, v, n, new AdamParams(p.lr(), p.beta1(), p.beta2(), p.eps(),
                                p.weightDecay(), false, p.step()));
                    }
                }, s -> PrimitiveConformanceSuite.adamCases().forEach(s::adamFollowsPyTorch)));
    }

    private static boolean isLog(PrimitiveConformanceSuite.SoftmaxCase c) {
        return c.log();
    }

    /**
     * The same attention with causality moved by {@code shift} keys (row i sees keys up to i + shift): built as a
     * full additive mask on top of the original one, with causal off.
     */
    private static Attention withCausalShift(ReferenceBackend backend, Attention a, int shift) {
        int tq = a.queries();
        int tk = a.keys();
        Storage mask = backend.allocate(dev.flint.backend.DType.FLOAT32, a.batch() * a.heads() * tq * tk);
        for (int b = 0; b < a.batch(); b++) {
            for (int h = 0; h < a.heads(); h++) {
                for (int i = 0; i < tq; i++) {
                    for (int j = 0; j < tk; j++) {
                        float m = a.mask() == null ? 0 : f(a.mask().data())[a.mask().at(b, h, i) + j];
                        f(mask)[((b * a.heads() + h) * tq + i) * tk + j] = j > i + shift ? Float.NEGATIVE_INFINITY : m;
                    }
                }
            }
        }
        return new Attention(a.batch(), a.heads(), tq, tk, a.headDim(), a.valueDim(), a.scale(), false, a.q(), a.k(),
                a.v(), new Attention.Operand(mask, 0, a.heads() * tq * tk, tq * tk, tk), a.out(), a.lse());
    }

    /** Each plane's rows moved down by one ({@code x'[h] = x[h - 1]}, zeros in row 0): an off-by-one read. */
    private static double[] shiftRows(double[] x, int planes, int h, int w) {
        double[] shifted = new double[x.length];
        for (int p = 0; p < planes; p++) {
            System.arraycopy(x, p * h * w, shifted, p * h * w + w, (h - 1) * w);
        }
        return shifted;
    }

    /** Rounds each value to TF32: float32 with the 13 lowest mantissa bits dropped (round to nearest). */
    private static double[] tf32(double[] x) {
        double[] r = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            int bits = Float.floatToRawIntBits((float) x[k]);
            r[k] = Float.intBitsToFloat((bits + 0x1000) & ~0x1fff);
        }
        return r;
    }
}

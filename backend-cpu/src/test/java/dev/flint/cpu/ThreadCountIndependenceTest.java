package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.flint.backend.Attention;
import dev.flint.backend.BatchNormParams;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.Gemm;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.Storage;
import dev.flint.cpu.parallel.Parallel;
import dev.flint.backend.DType;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every parallel kernel gives bitwise the same result with 1, 2 and 3 threads: work is split only over
 * independent outputs, and partial sums are formed in fixed groups. Sizes are chosen so that each
 * kernel really splits (above its sequential threshold).
 */
class ThreadCountIndependenceTest {
    private static final int[] THREADS = {1, 2, 3};
    private final CpuBackend cpu = new CpuBackend();
    private final Random random = new Random(42);
    private int savedThreads;

    @BeforeEach
    void saveThreads() {
        savedThreads = Parallel.threads();
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** Runs {@code op} with each thread count and asserts every result equals the 1-thread one bitwise. */
    private void assertSameForAllThreadCounts(String what, Function<Integer, float[]> op) {
        Parallel.setThreads(THREADS[0]);
        float[] expected = op.apply(THREADS[0]);
        for (int t = 1; t < THREADS.length; t++) {
            Parallel.setThreads(THREADS[t]);
            assertArrayEquals(expected, op.apply(THREADS[t]), what + ": " + THREADS[t] + " threads vs 1");
        }
    }

    private Storage randomStorage(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        Storage s = cpu.allocate(DType.FLOAT32, n);
        cpu.upload(v, 0, s, 0, n);
        return s;
    }

    private float[] read(Storage s) {
        float[] v = new float[s.size()];
        cpu.download(s, 0, v, 0, v.length);
        return v;
    }

    @Test
    void conv2dForwardAndBothGradients() {
        ConvGeometry[] geometries = {
            new ConvGeometry(6, 3, 17, 15, 8, 3, 3, 2, 2, 1, 1),
            new ConvGeometry(1, 4, 20, 20, 16, 5, 3, 1, 1, 2, 1),   // batch of one: the GEMM splits instead
            new ConvGeometry(11, 8, 9, 9, 12, 1, 1, 1, 1, 0, 0),    // pointwise: no im2col
            new ConvGeometry(40, 3, 7, 7, 4, 3, 3, 1, 1, 1, 1),     // two images per GEMM
        };
        for (ConvGeometry g : geometries) {
            Storage x = randomStorage(g.inputSize());
            Storage w = randomStorage(g.weightSize());
            Storage bias = randomStorage(g.outChannels());
            Storage dy = randomStorage(g.outputSize());
            assertSameForAllThreadCounts("conv2d forward " + g, t -> {
                Storage y = cpu.allocate(DType.FLOAT32, g.outputSize());
                cpu.conv2dForward(g, x, w, bias, y);
                return read(y);
            });
            assertSameForAllThreadCounts("conv2d backward data " + g, t -> {
                Storage dx = cpu.allocate(DType.FLOAT32, g.inputSize());
                cpu.conv2dBackwardData(g, dy, w, dx);
                return read(dx);
            });
            assertSameForAllThreadCounts("conv2d backward weight " + g, t -> {
                Storage dw = cpu.allocate(DType.FLOAT32, g.weightSize());
                cpu.conv2dBackwardWeight(g, x, dy, dw);
                return read(dw);
            });
        }
    }

    @Test
    void gemmSingleAndBatched() {
        int m = 150;
        int n = 170;
        int k = 190;
        Storage a = randomStorage(3 * m * k);
        Storage b = randomStorage(3 * k * n);
        Storage c0 = randomStorage(m * n);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                assertSameForAllThreadCounts("gemm ta=" + ta + " tb=" + tb, t -> {
                    Storage c = cpu.allocate(DType.FLOAT32, m * n);
                    cpu.copyBlocks(c0, 0, 0, c, 0, 0, 1, m * n);
                    cpu.gemm(Gemm.of(m, n, k).a(a, ta).b(b, tb).alpha(1.5f).beta(0.5f).into(c));
                    return read(c);
                });
            }
        }
        assertSameForAllThreadCounts("batched small gemm", t -> {
            Storage c = cpu.allocate(DType.FLOAT32, 7 * 20 * 30);
            cpu.gemm(Gemm.of(20, 30, 25).a(a, 0, 20 * 25, false).b(b, 0, 30 * 25, true).batch(7).into(c, 0, 20 * 30));
            return read(c);
        });
    }

    @Test
    void reduceRowsColumnsAndLongRows() {
        int[][] shapes = {{300, 400, 1}, {1, 300, 700}, {5, 60, 300}, {2, 200_000, 1}, {1, 50, 5000}};
        for (int[] s : shapes) {
            Storage x = randomStorage(s[0] * s[1] * s[2]);
            for (ReduceOp op : ReduceOp.values()) {
                assertSameForAllThreadCounts("reduce " + op + " " + s[0] + "x" + s[1] + "x" + s[2], t -> {
                    Storage out = cpu.allocate(DType.FLOAT32, s[0] * s[2]);
                    cpu.reduce(op, x, s[0], s[1], s[2], out);
                    return read(out);
                });
            }
        }
    }

    @Test
    void softmaxAndLogSoftmax() {
        int rows = 513;
        int cols = 77;
        Storage x = randomStorage(rows * cols);
        Storage dy = randomStorage(rows * cols);
        for (boolean log : new boolean[] {false, true}) {
            assertSameForAllThreadCounts("softmax log=" + log, t -> {
                Storage y = cpu.allocate(DType.FLOAT32, rows * cols);
                cpu.softmaxForward(log, x, y, rows, cols);
                Storage dx = cpu.allocate(DType.FLOAT32, rows * cols);
                cpu.softmaxBackward(log, y, dy, dx, rows, cols);
                float[] both = new float[2 * rows * cols];
                cpu.download(y, 0, both, 0, rows * cols);
                cpu.download(dx, 0, both, rows * cols, rows * cols);
                return both;
            });
        }
    }

    @Test
    void binaryWithBroadcasting() {
        // out (7, 90, 130) = a (7, 90, 130) op b (90, 1): a column broadcast over rows and batches
        int[] dims = {7, 90, 130};
        Storage a = randomStorage(7 * 90 * 130);
        Storage b = randomStorage(90);
        int[] aStrides = {90 * 130, 130, 1};
        int[] bStrides = {0, 1, 0};
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.DIV, BinaryOp.POW, BinaryOp.GT}) {
            assertSameForAllThreadCounts("binary " + op, t -> {
                Storage out = cpu.allocate(DType.FLOAT32, 7 * 90 * 130);
                cpu.binary(op, a, aStrides, b, bStrides, out, dims);
                return read(out);
            });
            assertSameForAllThreadCounts("binary " + op + " swapped", t -> {
                Storage out = cpu.allocate(DType.FLOAT32, 7 * 90 * 130);
                cpu.binary(op, b, bStrides, a, aStrides, out, dims);
                return read(out);
            });
        }
    }

    @Test
    void layerNormForwardAndBackward() {
        int rows = 700;
        int cols = 130;
        Storage x = randomStorage(rows * cols);
        Storage w = randomStorage(cols);
        Storage b = randomStorage(cols);
        Storage dy = randomStorage(rows * cols);
        assertSameForAllThreadCounts("layerNorm forward and backward", t -> {
            Storage y = cpu.allocate(DType.FLOAT32, rows * cols);
            Storage mean = cpu.allocate(DType.FLOAT32, rows);
            Storage rstd = cpu.allocate(DType.FLOAT32, rows);
            cpu.layerNormForward(x, w, b, y, mean, rstd, rows, cols, 1e-5f);
            Storage dx = cpu.allocate(DType.FLOAT32, rows * cols);
            Storage dw = cpu.allocate(DType.FLOAT32, cols);
            Storage db = cpu.allocate(DType.FLOAT32, cols);
            cpu.layerNormBackward(x, w, mean, rstd, dy, dx, dw, db, rows, cols);
            return concat(read(y), read(dx), read(dw), read(db));
        });
    }

    @Test
    void batchNormForwardAndBackward() {
        BatchNormParams p = new BatchNormParams(16, 24, 81, true, 0.1f, 1e-5f);
        Storage x = randomStorage(p.size());
        Storage w = randomStorage(p.channels());
        Storage dy = randomStorage(p.size());
        assertSameForAllThreadCounts("batchNorm forward and backward", t -> {
            Storage y = cpu.allocate(DType.FLOAT32, p.size());
            Storage mean = cpu.allocate(DType.FLOAT32, p.channels());
            Storage invStd = cpu.allocate(DType.FLOAT32, p.channels());
            Storage rm = cpu.allocate(DType.FLOAT32, p.channels());
            Storage rv = cpu.allocate(DType.FLOAT32, p.channels());
            cpu.fill(rm, 0, p.channels(), 0f);
            cpu.fill(rv, 0, p.channels(), 1f);
            cpu.batchNormForward(p, x, w, null, rm, rv, y, mean, invStd);
            Storage dx = cpu.allocate(DType.FLOAT32, p.size());
            Storage dw = cpu.allocate(DType.FLOAT32, p.channels());
            cpu.batchNormBackward(p, x, w, mean, invStd, dy, dx, dw, null);
            return concat(read(y), read(rm), read(rv), read(dx), read(dw));
        });
    }

    @Test
    void attentionForwardAndBackward() {
        // The showcase's sizes, heads read from one packed (B, T, 3C) projection; and few long matrices,
        // where the forward pass splits query rows instead of matrices.
        int[][] shapes = {{12, 4, 64, 32}, {1, 2, 300, 16}};
        for (int[] s : shapes) {
            int b = s[0];
            int h = s[1];
            int t = s[2];
            int d = s[3];
            int c = h * d;
            Storage qkv = randomStorage(b * t * 3 * c);
            Storage dOut = randomStorage(b * t * c);
            Attention.Operand q = new Attention.Operand(qkv, 0, t * 3 * c, d, 3 * c);
            Attention.Operand k = new Attention.Operand(qkv, c, t * 3 * c, d, 3 * c);
            Attention.Operand v = new Attention.Operand(qkv, 2 * c, t * 3 * c, d, 3 * c);
            assertSameForAllThreadCounts("attention " + java.util.Arrays.toString(s), threads -> {
                Storage out = cpu.allocate(DType.FLOAT32, b * t * c);
                Storage lse = cpu.allocate(DType.FLOAT32, b * h * t);
                Attention.Operand o = new Attention.Operand(out, 0, t * c, d, c);
                Attention a = Attention.of(b, h, t, t, d, d, (float) (1 / Math.sqrt(d)), true).q(q).k(k).v(v)
                        .into(o, lse);
                cpu.attentionForward(a);
                Storage dqkv = cpu.allocate(DType.FLOAT32, b * t * 3 * c);
                cpu.attentionBackward(a, new Attention.Operand(dOut, 0, t * c, d, c),
                        new Attention.Operand(dqkv, 0, t * 3 * c, d, 3 * c),
                        new Attention.Operand(dqkv, c, t * 3 * c, d, 3 * c),
                        new Attention.Operand(dqkv, 2 * c, t * 3 * c, d, 3 * c));
                return concat(read(out), read(lse), read(dqkv));
            });
        }
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}

package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.BinaryOp;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ElementwiseTest {
    private final Random random = new Random(7);

    /** One element of {@code op}, written independently of the kernels. */
    private static float apply(BinaryOp op, float x, float y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return x / y;
            case POW: return (float) Math.pow(x, y);
            case MAX: return Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.max(x, y);
            case MIN: return Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.min(x, y);
            case EQ: return x == y ? 1 : 0;
            case NE: return x != y ? 1 : 0;
            case LT: return x < y ? 1 : 0;
            case LE: return x <= y ? 1 : 0;
            case GT: return x > y ? 1 : 0;
            case GE: return x >= y ? 1 : 0;
            default: throw new AssertionError(op);
        }
    }

    /** Per-element reference: decode each output index and read both sides by their strides. */
    private static float[] naive(BinaryOp op, float[] a, int[] as, float[] b, int[] bs, int[] dims) {
        int total = Arrays.stream(dims).reduce(1, (p, q) -> p * q);
        float[] out = new float[total];
        for (int flat = 0; flat < total; flat++) {
            int rest = flat;
            int ai = 0;
            int bi = 0;
            for (int d = dims.length - 1; d >= 0; d--) {
                int idx = rest % dims[d];
                rest /= dims[d];
                ai += idx * as[d];
                bi += idx * bs[d];
            }
            out[flat] = apply(op, a[ai], b[bi]);
        }
        return out;
    }

    private float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // small integers make EQ/LE/GE hit both outcomes; a few NaNs check propagation
            v[i] = random.nextInt(50) == 0 ? Float.NaN : random.nextInt(7) - 3 + (random.nextBoolean() ? 0.5f : 0f);
        }
        return v;
    }

    private static int[] contiguousStrides(int[] dims, boolean[] broadcast) {
        int[] s = new int[dims.length];
        int stride = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            if (broadcast[d] || dims[d] == 1) {
                s[d] = 0;
            } else {
                s[d] = stride;
                stride *= dims[d];
            }
        }
        return s;
    }

    private static int extent(int[] dims, int[] strides) {
        int max = 0;
        for (int d = 0; d < dims.length; d++) {
            max += (dims[d] - 1) * strides[d];
        }
        return max + 1;
    }

    @Test
    void fastPathsGeneralPathAndNaiveAgreeOnRandomBroadcasts() {
        for (int trial = 0; trial < 300; trial++) {
            int rank = random.nextInt(5);
            int[] dims = new int[rank];
            boolean[] aBroadcast = new boolean[rank];
            boolean[] bBroadcast = new boolean[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = 1 + random.nextInt(trial % 10 == 0 ? 40 : 6);
                aBroadcast[d] = random.nextInt(3) == 0;
                bBroadcast[d] = random.nextInt(3) == 0;
            }
            int[] as = contiguousStrides(dims, aBroadcast);
            int[] bs = contiguousStrides(dims, bBroadcast);
            float[] a = values(extent(dims, as));
            float[] b = values(extent(dims, bs));
            int total = Arrays.stream(dims).reduce(1, (p, q) -> p * q);
            for (BinaryOp op : BinaryOp.values()) {
                float[] expected = naive(op, a, as, b, bs, dims);
                float[] fast = new float[total];
                float[] general = new float[total];
                Elementwise.binary(op, a, as, b, bs, fast, dims);
                Elementwise.binaryGeneral(op, a, as, b, bs, general, dims);
                String what = op + " dims " + Arrays.toString(dims) + " a " + Arrays.toString(as) + " b "
                        + Arrays.toString(bs);
                assertArrayEquals(expected, fast, "fast path: " + what);
                assertArrayEquals(expected, general, "general path: " + what);
            }
        }
    }

    @Test
    void largeBroadcastSplitsOverThreadsAndStillMatches() {
        // (3, 200, 300) minus a row vector (300,): several chunks that start mid-row
        int[] dims = {3, 200, 300};
        float[] a = values(3 * 200 * 300);
        float[] b = values(300);
        int[] as = {60_000, 300, 1};
        int[] bs = {0, 0, 1};
        float[] out = new float[a.length];
        Elementwise.binary(BinaryOp.SUB, a, as, b, bs, out, dims);
        assertArrayEquals(naive(BinaryOp.SUB, a, as, b, bs, dims), out);
        // a transposed read (strides neither 0 nor 1 innermost)
        int[] ts = {60_000, 1, 200};
        Elementwise.binary(BinaryOp.MUL, a, ts, b, bs, out, dims);
        assertArrayEquals(naive(BinaryOp.MUL, a, ts, b, bs, dims), out);
    }

    @Test
    void outputMayAliasAnInput() {
        float[] a = values(100_000);
        float[] b = values(100_000);
        int[] dims = {100_000};
        int[] s = {1};
        float[] expected = naive(BinaryOp.ADD, a, s, b, s, dims);
        Elementwise.binary(BinaryOp.ADD, a, s, b, s, a, dims);
        assertArrayEquals(expected, a);
    }

    @Test
    void scalarOutputOfRankZero() {
        float[] out = new float[1];
        Elementwise.binary(BinaryOp.POW, new float[] {2}, new int[0], new float[] {10}, new int[0], out, new int[0]);
        assertEquals(1024f, out[0]);
    }
}

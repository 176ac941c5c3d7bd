package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutTest {

    /** NumPy's transpose, one element at a time: dst index j reads src at j permuted back. */
    private static float[] naivePermute(float[] src, int[] srcDims, int[] perm) {
        int rank = srcDims.length;
        int[] dstDims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dstDims[i] = srcDims[perm[i]];
        }
        int[] srcStrides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) {
            srcStrides[d] = s;
            s *= srcDims[d];
        }
        float[] dst = new float[src.length];
        for (int flat = 0; flat < dst.length; flat++) {
            int rest = flat;
            int from = 0;
            for (int i = rank - 1; i >= 0; i--) {
                int idx = rest % dstDims[i];
                rest /= dstDims[i];
                from += idx * srcStrides[perm[i]];
            }
            dst[flat] = src[from];
        }
        return dst;
    }

    private static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] cur, boolean[] used, int pos, List<int[]> out) {
        if (pos == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int v = 0; v < cur.length; v++) {
            if (!used[v]) {
                used[v] = true;
                cur[pos] = v;
                permute(cur, used, pos + 1, out);
                used[v] = false;
            }
        }
    }

    private static float[] iota(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return v;
    }

    @Test
    void everyPermutationOfA4dTensor() {
        for (int[] dims : new int[][] {{2, 3, 4, 5}, {3, 1, 37, 41}, {1, 2, 1, 3}}) {
            float[] src = iota(Arrays.stream(dims).reduce(1, (a, b) -> a * b));
            for (int[] perm : permutations(4)) {
                float[] dst = new float[src.length];
                Layout.permute(src, dims, perm, dst);
                assertArrayEquals(naivePermute(src, dims, perm), dst,
                        "dims " + Arrays.toString(dims) + " perm " + Arrays.toString(perm));
            }
        }
    }

    @Test
    void largeTransposeWithRaggedTilesAndIntData() {
        int rows = 333;
        int cols = 517;
        float[] src = iota(rows * cols);
        float[] dst = new float[src.length];
        Layout.permute(src, new int[] {rows, cols}, new int[] {1, 0}, dst);
        float[] expected = naivePermute(src, new int[] {rows, cols}, new int[] {1, 0});
        assertArrayEquals(expected, dst);

        int[] isrc = new int[src.length];
        for (int i = 0; i < isrc.length; i++) {
            isrc[i] = i * 3 - 7;
        }
        int[] idst = new int[src.length];
        Layout.permute(isrc, new int[] {rows, cols}, new int[] {1, 0}, idst);
        for (int i = 0; i < idst.length; i++) {
            if (idst[i] != (int) expected[i] * 3 - 7) {
                throw new AssertionError("int transpose wrong at " + i);
            }
        }
    }

    @Test
    void rankZeroOneAndIdentity() {
        float[] one = {4f};
        float[] out = new float[1];
        Layout.permute(one, new int[0], new int[0], out);
        assertArrayEquals(one, out);
        float[] src = iota(24);
        float[] dst = new float[24];
        Layout.permute(src, new int[] {2, 3, 4}, new int[] {0, 1, 2}, dst);
        assertArrayEquals(src, dst);
    }

    @Test
    void largeCopiesSplitOverThreadsAndOverlappingMovesStaySequential() {
        int n = 3 * Layout.PARALLEL_COPY + 17;
        float[] src = iota(n);
        float[] one = new float[n];
        Layout.copyBlocks(src, 0, 0, one, 0, 0, 1, n);
        assertArrayEquals(src, one);
        Layout.fill(one, 3, n - 4, 7.9f);
        int[] ints = new int[n];
        Layout.fill(ints, 0, n, 7.9f);
        for (int i = 0; i < n; i++) {
            float expect = i < 3 || i == n - 1 ? src[i] : 7.9f;
            if (one[i] != expect || ints[i] != 7) {
                throw new AssertionError("fill wrong at " + i + ": " + one[i] + ", " + ints[i]);
            }
        }

        // every other block of 1000 into a packed array
        int blocks = n / 2000;
        float[] packed = new float[blocks * 1000];
        Layout.copyBlocks(src, 5, 2000, packed, 0, 1000, blocks, 1000);
        for (int i = 0; i < blocks; i++) {
            for (int j = 0; j < 1000; j++) {
                if (packed[i * 1000 + j] != src[5 + i * 2000 + j]) {
                    throw new AssertionError("block " + i + " element " + j);
                }
            }
        }

        // one overlapping move inside one array behaves as memmove
        float[] same = iota(n);
        Layout.copyBlocks(same, 0, 0, same, 1, 0, 1, n - 1);
        float[] expected = iota(n);
        System.arraycopy(expected, 0, expected, 1, n - 1);
        assertArrayEquals(expected, same);
    }

    @Test
    void castTruncatesTowardZeroAndSaturates() {
        float[] f = {1.9f, -1.9f, Float.NaN, 3e10f, -3e10f};
        int[] i = new int[f.length];
        Layout.cast(f, i, f.length);
        assertArrayEquals(new int[] {1, -1, 0, Integer.MAX_VALUE, Integer.MIN_VALUE}, i);
    }
}

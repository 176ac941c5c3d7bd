package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The host-side index arithmetic of the strided launchers, checked without a GPU: for every output index,
 * the coalesced layout must address the same operand elements as the original one (decoded exactly as
 * binary_strided_f32 and permute_x32 decode it, innermost axis fastest).
 */
class LayoutsTest {

    /** Operand offsets of every output element, as the kernels compute them. */
    private static long[][] offsets(int[] dims, long[][] strides) {
        long n = Layouts.product(dims);
        long[][] r = new long[strides.length][(int) n];
        for (long i = 0; i < n; i++) {
            long rest = i;
            for (int axis = dims.length - 1; axis >= 0; axis--) {
                long idx = rest % dims[axis];
                rest /= dims[axis];
                for (int k = 0; k < strides.length; k++) {
                    r[k][(int) i] += idx * strides[k][axis];
                }
            }
        }
        return r;
    }

    @Test
    void coalescingKeepsEveryAddressOnRandomBroadcasts() {
        Random rnd = new Random(1);
        for (int trial = 0; trial < 2000; trial++) {
            int rank = rnd.nextInt(7);
            int[] dims = new int[rank];
            long[] a = new long[rank];
            long[] b = new long[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = 1 + rnd.nextInt(4);
            }
            // Each operand is contiguous over the axes it does not broadcast (how the front end calls binary).
            long sa = 1;
            long sb = 1;
            for (int i = rank - 1; i >= 0; i--) {
                if (rnd.nextInt(3) > 0) {
                    a[i] = sa;
                    sa *= dims[i];
                }
                if (rnd.nextInt(3) > 0) {
                    b[i] = sb;
                    sb *= dims[i];
                }
            }
            if (rnd.nextInt(5) == 0 && rank >= 2) {          // a transposed view of a
                long t = a[0];
                a[0] = a[rank - 1];
                a[rank - 1] = t;
            }
            Layouts.Strided c = Layouts.coalesce(dims, a, b);
            String what = Arrays.toString(dims) + " a" + Arrays.toString(a) + " b" + Arrays.toString(b) + " -> " + c;
            assertEquals(Layouts.product(dims), c.size(), what);
            long[][] before = offsets(dims, new long[][] {a, b});
            long[][] after = offsets(c.dims(), c.strides());
            assertArrayEquals(before[0], after[0], what);
            assertArrayEquals(before[1], after[1], what);
            for (int d : c.dims()) {
                assertTrue(d > 1, "no unit axis survives: " + what);
            }
        }
    }

    @Test
    void commonCasesReachTheFastPaths() {
        Layouts.Strided same = Layouts.coalesce(new int[] {4, 5, 6}, new long[] {30, 6, 1}, new long[] {30, 6, 1});
        assertTrue(same.contiguous(0) && same.contiguous(1), same.toString());
        Layouts.Strided scalar = Layouts.coalesce(new int[] {2, 3, 5}, new long[] {15, 5, 1}, new long[] {0, 0, 0});
        assertTrue(scalar.contiguous(0) && scalar.scalar(1), scalar.toString());
        Layouts.Strided rank0 = Layouts.coalesce(new int[] {}, new long[] {}, new long[] {});
        assertTrue(rank0.contiguous(0) && rank0.contiguous(1) && rank0.size() == 1, rank0.toString());
        Layouts.Strided bias = Layouts.coalesce(new int[] {1000, 37}, new long[] {37, 1}, new long[] {0, 1});
        assertArrayEquals(new int[] {1000, 37}, bias.dims(), "a row broadcast stays rank 2");
    }

    @Test
    void permutationsKeepEveryAddress() {
        Random rnd = new Random(2);
        for (int trial = 0; trial < 1000; trial++) {
            int rank = 1 + rnd.nextInt(10);
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = 1 + rnd.nextInt(3);
            }
            Integer[] boxed = new Integer[rank];
            for (int i = 0; i < rank; i++) {
                boxed[i] = i;
            }
            java.util.Collections.shuffle(Arrays.asList(boxed), rnd);
            int[] perm = Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
            // NumPy's transpose(perm): output axis i is source axis perm[i].
            long[] srcStrides = Layouts.contiguousStrides(dims);
            int[] outDims = new int[rank];
            long[] outStrides = new long[rank];
            for (int i = 0; i < rank; i++) {
                outDims[i] = dims[perm[i]];
                outStrides[i] = srcStrides[perm[i]];
            }
            Layouts.Strided p = Layouts.permutation(dims, perm);
            String what = Arrays.toString(dims) + " perm " + Arrays.toString(perm) + " -> " + p;
            assertArrayEquals(offsets(outDims, new long[][] {outStrides})[0], offsets(p.dims(), p.strides())[0], what);
        }
        Layouts.Strided identity = Layouts.permutation(new int[] {2, 3, 4}, new int[] {0, 1, 2});
        assertTrue(identity.contiguous(0), "the identity permutation is a plain copy: " + identity);
        Layouts.Strided transpose = Layouts.permutation(new int[] {2, 3, 4}, new int[] {1, 0, 2});
        assertArrayEquals(new int[] {3, 2, 4}, transpose.dims(), transpose.toString());
    }
}

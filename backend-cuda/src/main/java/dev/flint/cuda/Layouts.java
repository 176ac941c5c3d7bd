package dev.flint.cuda;

import java.util.Arrays;

/**
 * Index arithmetic the launchers do on the host before a strided kernel: dropping unit axes and merging
 * neighbouring axes that stay contiguous (or broadcast) in every operand, so that most broadcasts and
 * permutations reach the kernels with a low rank (often 1: the contiguous fast path). Pure Java, tested
 * without a GPU by enumerating every index.
 *
 * <pre>{@code
 * Layouts.Strided s = Layouts.coalesce(new int[] {4, 5}, new long[] {5, 1}, new long[] {0, 1});
 * // s.dims() = [4, 5]: b broadcasts along axis 0, so nothing merges
 * }</pre>
 */
final class Layouts {
    private Layouts() {
    }

    /**
     * A contiguous output of {@code dims} reading each operand {@code k} at
     * {@code sum idx[d] * strides[k][d]}.
     */
    record Strided(int[] dims, long[][] strides) {
        int rank() {
            return dims.length;
        }

        long size() {
            return product(dims);
        }

        /** Whether operand {@code k} is read contiguously in output order. */
        boolean contiguous(int k) {
            return rank() == 0 || (rank() == 1 && strides[k][0] == 1);
        }

        /** Whether operand {@code k} is one element broadcast everywhere. */
        boolean scalar(int k) {
            for (long s : strides[k]) {
                if (s != 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return "Strided[dims=" + Arrays.toString(dims) + ", strides=" + Arrays.deepToString(strides) + "]";
        }
    }

    /**
     * Drops unit axes of {@code dims} and merges axis {@code i} into axis {@code i - 1} whenever, for every
     * operand, {@code strides[i - 1] == strides[i] * dims[i]} (which covers two broadcast axes, 0 == 0 * n).
     */
    static Strided coalesce(int[] dims, long[]... strides) {
        int rank = dims.length;
        int operands = strides.length;
        int[] d = new int[rank];
        long[][] s = new long[operands][rank];
        int r = 0;
        for (int i = 0; i < rank; i++) {
            if (dims[i] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int k = 0; k < operands && merge; k++) {
                merge = s[k][r - 1] == strides[k][i] * dims[i];
            }
            if (merge) {
                d[r - 1] *= dims[i];
                for (int k = 0; k < operands; k++) {
                    s[k][r - 1] = strides[k][i];
                }
            } else {
                d[r] = dims[i];
                for (int k = 0; k < operands; k++) {
                    s[k][r] = strides[k][i];
                }
                r++;
            }
        }
        long[][] out = new long[operands][];
        for (int k = 0; k < operands; k++) {
            out[k] = Arrays.copyOf(s[k], r);
        }
        return new Strided(Arrays.copyOf(d, r), out);
    }

    /** The permuted output of {@code srcDims} read from the contiguous source, coalesced. */
    static Strided permutation(int[] srcDims, int[] perm) {
        long[] srcStrides = contiguousStrides(srcDims);
        int[] outDims = new int[perm.length];
        long[] outSrcStrides = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            outDims[i] = srcDims[perm[i]];
            outSrcStrides[i] = srcStrides[perm[i]];
        }
        return coalesce(outDims, outSrcStrides);
    }

    static long[] toLong(int[] values) {
        long[] r = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            r[i] = values[i];
        }
        return r;
    }

    static long[] contiguousStrides(int[] dims) {
        long[] strides = new long[dims.length];
        long s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= dims[i];
        }
        return strides;
    }

    static long product(int[] dims) {
        long p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }
}

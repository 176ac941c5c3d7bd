package dev.flint.cpu.kernel;

import dev.flint.backend.BinaryOp;
import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;

/**
 * Broadcasting binary ops on {@code float[]} (the unary family is {@link UnaryKernels}).
 *
 * <pre>{@code
 * // out (2, 3) = a (2, 3) + b (3): b's row is broadcast over a's two rows
 * Elementwise.binary(BinaryOp.ADD, a, new int[] {3, 1}, b, new int[] {0, 1}, out, new int[] {2, 3});
 * }</pre>
 *
 * <p>Each op has its own loop (the switch on the op sits outside the loop), so the JIT sees a tight
 * loop it can vectorize. Binary ops first collapse the shape: axes of size 1 are dropped and adjacent
 * axes that are contiguous on both sides merge, so "same shape" becomes one long row, a row vector
 * broadcast over a matrix becomes rows of stride (1, 1) against (1, 0), and so on. The innermost axis
 * then picks one of four loops by its strides on each side (1 and 1, 1 and 0, 0 and 1, anything).
 * Work is split over threads by output position only, so results do not depend on the thread count.
 * Order comparisons use {@link FloatOrder}'s branch-free masks (a mask of random data defeats the
 * branch predictor).
 */
public final class Elementwise {
    /** Below this many outputs a call runs on the calling thread; waking a worker costs more. */
    static final int GRAIN = 32_768;
    /** Transcendental ops cost ~20x a multiply, so they are worth splitting sooner. */
    static final int GRAIN_HEAVY = 4_096;

    private Elementwise() {
    }

    /**
     * Broadcasting binary op: {@code out} is contiguous with dims {@code outDims}; the element at index
     * vector {@code idx} is {@code op(a[sum idx[d] * aStrides[d]], b[sum idx[d] * bStrides[d]])}.
     * {@code out} may be {@code a} or {@code b} when that side is not broadcast.
     *
     * <pre>{@code
     * Elementwise.binary(BinaryOp.MUL, a, new int[] {1, 0}, b, new int[] {0, 1}, out, new int[] {4, 5});
     * }</pre>
     */
    public static void binary(BinaryOp op, float[] a, int[] aStrides, float[] b, int[] bStrides, float[] out,
                              int[] outDims) {
        int rank = outDims.length;
        int[] dims = new int[Math.max(rank, 1)];
        int[] as = new int[dims.length];
        int[] bs = new int[dims.length];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            int n = outDims[d];
            if (n == 0) {
                return;
            }
            if (n == 1) {
                continue;
            }
            if (r > 0 && as[r - 1] == aStrides[d] * n && bs[r - 1] == bStrides[d] * n) {
                dims[r - 1] *= n;
                as[r - 1] = aStrides[d];
                bs[r - 1] = bStrides[d];
            } else {
                dims[r] = n;
                as[r] = aStrides[d];
                bs[r] = bStrides[d];
                r++;
            }
        }
        if (r == 0) {
            dims[0] = 1;
            r = 1;
        }
        run(op, a, as, b, bs, out, dims, r, false);
    }

    /**
     * The general N-d path alone: no collapsing of axes and one strided loop for every row. Slower;
     * kept public as the readable reference the fast paths are tested against.
     */
    public static void binaryGeneral(BinaryOp op, float[] a, int[] aStrides, float[] b, int[] bStrides,
                                     float[] out, int[] outDims) {
        for (int n : outDims) {
            if (n == 0) {
                return;
            }
        }
        if (outDims.length == 0) {
            run(op, a, new int[] {0}, b, new int[] {0}, out, new int[] {1}, 1, true);
        } else {
            run(op, a, aStrides.clone(), b, bStrides.clone(), out, outDims.clone(), outDims.length, true);
        }
    }

    private static void run(BinaryOp op, float[] a, int[] as, float[] b, int[] bs, float[] out, int[] dims,
                            int rank, boolean general) {
        int total = 1;
        for (int d = 0; d < rank; d++) {
            total *= dims[d];
        }
        int grain = op == BinaryOp.POW ? GRAIN_HEAVY : GRAIN;
        Parallel.forRange(0, total, grain, (from, to) -> segment(op, a, as, b, bs, out, dims, rank, from, to, general));
    }

    /** Computes outputs {@code [from, to)}: rows of the innermost axis, a carried index for the rest. */
    private static void segment(BinaryOp op, float[] a, int[] as, float[] b, int[] bs, float[] out, int[] dims,
                                int rank, int from, int to, boolean general) {
        int inner = dims[rank - 1];
        int ais = as[rank - 1];
        int bis = bs[rank - 1];
        int[] idx = new int[rank];
        int rest = from / inner;
        int col = from % inner;
        int rowA = 0;
        int rowB = 0;
        for (int d = rank - 2; d >= 0; d--) {
            idx[d] = rest % dims[d];
            rest /= dims[d];
            rowA += idx[d] * as[d];
            rowB += idx[d] * bs[d];
        }
        int pos = from;
        while (true) {
            int len = Math.min(inner - col, to - pos);
            int ao = rowA + col * ais;
            int bo = rowB + col * bis;
            if (general) {
                binaryStrided(op, a, ao, ais, b, bo, bis, out, pos, len);
            } else if (ais == 1 && bis == 1) {
                binaryVV(op, a, ao, b, bo, out, pos, len);
            } else if (ais == 1 && bis == 0) {
                binaryVS(op, a, ao, b[bo], out, pos, len);
            } else if (ais == 0 && bis == 1) {
                binarySV(op, a[ao], b, bo, out, pos, len);
            } else if (ais == 0 && bis == 0) {
                Arrays.fill(out, pos, pos + len, binaryScalar(op, a[ao], b[bo]));
            } else {
                binaryStrided(op, a, ao, ais, b, bo, bis, out, pos, len);
            }
            pos += len;
            if (pos >= to) {
                return;
            }
            col = 0;
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                rowA += as[d];
                rowB += bs[d];
                if (idx[d] < dims[d]) {
                    break;
                }
                rowA -= as[d] * dims[d];
                rowB -= bs[d] * dims[d];
                idx[d] = 0;
            }
        }
    }

    /** Both sides contiguous. */
    private static void binaryVV(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] + b[bo + i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] - b[bo + i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] * b[bo + i];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] / b[bo + i];
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = (float) Math.pow(a[ao + i], b[bo + i]);
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = Math.max(a[ao + i], b[bo + i]);
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = Math.min(a[ao + i], b[bo + i]);
                }
            }
            case EQ -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] == b[bo + i] ? 1f : 0f;
                }
            }
            case NE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] != b[bo + i] ? 1f : 0f;
                }
            }
            case LT -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.lt(a[ao + i], b[bo + i]);
                }
            }
            case LE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.le(a[ao + i], b[bo + i]);
                }
            }
            case GT -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.gt(a[ao + i], b[bo + i]);
                }
            }
            case GE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.ge(a[ao + i], b[bo + i]);
                }
            }
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        }
    }

    /** {@code a} contiguous, {@code b} one value. */
    private static void binaryVS(BinaryOp op, float[] a, int ao, float y, float[] o, int oo, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] + y;
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] - y;
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] * y;
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] / y;
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = (float) Math.pow(a[ao + i], y);
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = Math.max(a[ao + i], y);
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = Math.min(a[ao + i], y);
                }
            }
            case EQ -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] == y ? 1f : 0f;
                }
            }
            case NE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i] != y ? 1f : 0f;
                }
            }
            case LT -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.lt(a[ao + i], y);
                }
            }
            case LE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.le(a[ao + i], y);
                }
            }
            case GT -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.gt(a[ao + i], y);
                }
            }
            case GE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.ge(a[ao + i], y);
                }
            }
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        }
    }

    /** {@code a} one value, {@code b} contiguous. */
    private static void binarySV(BinaryOp op, float x, float[] b, int bo, float[] o, int oo, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = x + b[bo + i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = x - b[bo + i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = x * b[bo + i];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = x / b[bo + i];
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = (float) Math.pow(x, b[bo + i]);
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = Math.max(x, b[bo + i]);
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = Math.min(x, b[bo + i]);
                }
            }
            case EQ -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = x == b[bo + i] ? 1f : 0f;
                }
            }
            case NE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = x != b[bo + i] ? 1f : 0f;
                }
            }
            case LT -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.lt(x, b[bo + i]);
                }
            }
            case LE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.le(x, b[bo + i]);
                }
            }
            case GT -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.gt(x, b[bo + i]);
                }
            }
            case GE -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = FloatOrder.ge(x, b[bo + i]);
                }
            }
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        }
    }

    /** Any strides (the general path). */
    private static void binaryStrided(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs,
                                      float[] o, int oo, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = a[ia] + b[ib];
                }
            }
            case SUB -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = a[ia] - b[ib];
                }
            }
            case MUL -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = a[ia] * b[ib];
                }
            }
            case DIV -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = a[ia] / b[ib];
                }
            }
            case POW -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = (float) Math.pow(a[ia], b[ib]);
                }
            }
            case MAX -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = Math.max(a[ia], b[ib]);
                }
            }
            case MIN -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = Math.min(a[ia], b[ib]);
                }
            }
            case EQ -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = a[ia] == b[ib] ? 1f : 0f;
                }
            }
            case NE -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = a[ia] != b[ib] ? 1f : 0f;
                }
            }
            case LT -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = FloatOrder.lt(a[ia], b[ib]);
                }
            }
            case LE -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = FloatOrder.le(a[ia], b[ib]);
                }
            }
            case GT -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = FloatOrder.gt(a[ia], b[ib]);
                }
            }
            case GE -> {
                for (int i = 0, ia = ao, ib = bo; i < n; i++, ia += as, ib += bs) {
                    o[oo + i] = FloatOrder.ge(a[ia], b[ib]);
                }
            }
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        }
    }

    /** One value of {@code op}; used once per call when both sides are broadcast along a row. */
    static float binaryScalar(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (float) Math.pow(x, y);
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case EQ -> x == y ? 1f : 0f;
            case NE -> x != y ? 1f : 0f;
            case LT -> FloatOrder.lt(x, y);
            case LE -> FloatOrder.le(x, y);
            case GT -> FloatOrder.gt(x, y);
            case GE -> FloatOrder.ge(x, y);
        };
    }
}

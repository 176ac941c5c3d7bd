package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.backend.ReduceOp;
import java.util.Arrays;

/** Sum, mean and max over axes (with keepdims), and argmax. */
final class ReduceOps {
    enum Kind { SUM, MEAN, MAX }

    private ReduceOps() {
    }

    static int[] allAxes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        return axes;
    }

    static Tensor reduce(Kind kind, Tensor x, int[] axes, boolean keepDims) {
        String op = kind.name().toLowerCase(java.util.Locale.ROOT);
        Checks.floats(op, x);
        boolean[] reduced = new boolean[x.rank()];
        for (int a : axes) {
            int ax = x.shape().axis(a, op);
            if (reduced[ax]) {
                throw new IllegalArgumentException(op + ": axis " + a + " repeated in " + Arrays.toString(axes));
            }
            reduced[ax] = true;
        }
        int count = 1;
        int[] keptDims = x.shape().dims();
        int outRank = 0;
        for (int i = 0; i < x.rank(); i++) {
            if (reduced[i]) {
                count *= keptDims[i];
                keptDims[i] = 1;
            } else {
                outRank++;
            }
        }
        if (kind == Kind.MAX && x.size() == 0) {
            throw new IllegalArgumentException("max: cannot take the maximum of an empty tensor " + x.shape());
        }
        Shape keptShape = Shape.of(keptDims);
        Tensor y = rawReduce(kind == Kind.MAX ? ReduceOp.MAX : ReduceOp.SUM, x, reduced);
        if (kind == Kind.MEAN) {
            Tensor sum = y;
            y = ElementwiseOps.rawUnary(dev.flint.backend.Unary.affine(count == 0 ? Float.NaN : 1f / count, 0f), sum);
            sum.close();
        }
        int[] outDims = new int[outRank];
        for (int i = 0, j = 0; i < x.rank(); i++) {
            if (!reduced[i]) {
                outDims[j++] = x.shape().dim(i);
            }
        }
        Shape outShape = keepDims ? keptShape : Shape.of(outDims);
        Tensor out = y.shape().equals(outShape) ? y : relabel(y, outShape);
        Shape inShape = x.shape();
        float scale = kind == Kind.MEAN ? 1f / count : 1f;
        Tensor result = out;
        return Tensor.record(out, op, kind == Kind.MAX ? Tensor.saves(x, result) : Tensor.NOTHING_SAVED, g -> {
            // d sum = g broadcast back; d mean = g / count broadcast back;
            // d max = g where x equals the max, shared evenly among ties.
            Tensor gk = g.reshape(keptShape.dims());
            Tensor expanded = expand(gk, inShape);
            if (kind == Kind.MEAN) {
                return new Tensor[] {expanded.mul(scale)};
            }
            if (kind == Kind.SUM) {
                return new Tensor[] {expanded};
            }
            Tensor mask = x.eq(result.reshape(keptShape.dims()));
            Tensor ties = mask.sum(axesOf(reduced), true);
            return new Tensor[] {expanded.mul(mask).div(ties)};
        }, x);
    }

    private static int[] axesOf(boolean[] reduced) {
        int n = 0;
        for (boolean r : reduced) {
            n += r ? 1 : 0;
        }
        int[] axes = new int[n];
        for (int i = 0, j = 0; i < reduced.length; i++) {
            if (reduced[i]) {
                axes[j++] = i;
            }
        }
        return axes;
    }

    /** A new tensor header over the same storage (no graph). */
    private static Tensor relabel(Tensor y, Shape shape) {
        Tensor out = Tensor.view(y, shape);
        y.close();
        return out;
    }

    /** {@code g} (broadcastable to {@code shape}) materialized at {@code shape}. */
    static Tensor expand(Tensor g, Shape shape) {
        if (g.shape().equals(shape)) {
            return g;
        }
        Tensor zero = Tensor.on(g.backend()).scalar(0f);
        try {
            return ElementwiseOps.raw(dev.flint.backend.BinaryOp.ADD, g, zero, shape);
        } finally {
            zero.close();
        }
    }

    /**
     * Reduces every marked axis, one backend call per run of adjacent marked axes, keeping reduced axes
     * as size 1. Returns a tensor shaped like x with the reduced axes set to 1.
     */
    static Tensor rawReduce(ReduceOp op, Tensor x, boolean[] reduced) {
        Backend be = x.backend();
        Tensor cur = x;
        int[] dims = x.shape().dims();
        int i = 0;
        boolean owned = false;
        while (i < dims.length) {
            if (!reduced[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < dims.length && reduced[j]) {
                j++;
            }
            int outer = 1;
            for (int d = 0; d < i; d++) {
                outer *= dims[d];
            }
            int extent = 1;
            for (int d = i; d < j; d++) {
                extent *= dims[d];
            }
            int inner = 1;
            for (int d = j; d < dims.length; d++) {
                inner *= dims[d];
            }
            int[] next = dims.clone();
            for (int d = i; d < j; d++) {
                next[d] = 1;
            }
            Tensor out = Tensor.empty(be, Shape.of(next), DType.FLOAT32);
            if (extent == 0) {
                be.fill(out.storage(), 0, out.size(), op == ReduceOp.SUM ? 0f : Float.NaN);
            } else if (out.size() > 0) {
                be.reduce(op, cur.storage(), outer, extent, inner, out.storage());
            }
            if (owned) {
                cur.close();
            }
            cur = out;
            owned = true;
            dims = next;
            i = j;
        }
        if (!owned) {
            return ElementwiseOps.copy(x);
        }
        return cur;
    }

    static Tensor argmax(Tensor x, int axis) {
        Checks.floats("argmax", x);
        int a = x.shape().axis(axis, "argmax");
        int extent = x.shape().dim(a);
        if (extent == 0) {
            throw new IllegalArgumentException("argmax: axis " + axis + " of " + x.shape() + " is empty");
        }
        int outer = x.shape().sizeBetween(0, a);
        int inner = x.shape().sizeBetween(a + 1, x.rank());
        int[] outDims = new int[x.rank() - 1];
        for (int i = 0, j = 0; i < x.rank(); i++) {
            if (i != a) {
                outDims[j++] = x.shape().dim(i);
            }
        }
        Tensor y = Tensor.empty(x.backend(), Shape.of(outDims), DType.INT32);
        if (y.size() > 0) {
            x.backend().argmax(x.storage(), outer, extent, inner, y.storage());
        }
        return y;
    }
}

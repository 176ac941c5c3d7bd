package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import java.util.Arrays;
import java.util.List;

/** Reshape, permute, slicing, gathering, concatenation and moves between backends. */
final class ShapeOps {
    private ShapeOps() {
    }

    /** A view with a new shape over the same storage; one dimension may be -1. */
    static Tensor reshape(Tensor x, int... dims) {
        Checks.open("reshape", x);
        int[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Arrays.toString(dims));
                }
                infer = i;
            } else if (d[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension in " + Arrays.toString(dims));
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.size() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + x.shape() + " (" + x.size()
                        + " elements) into " + Arrays.toString(dims));
            }
            d[infer] = (int) (x.size() / known);
            known *= d[infer];
        }
        if (known != x.size()) {
            throw new IllegalArgumentException("reshape: cannot reshape " + x.shape() + " (" + x.size()
                    + " elements) into " + Arrays.toString(dims) + " (" + known + " elements)");
        }
        Shape target = Shape.of(d);
        Tensor y = Tensor.view(x, target);
        Shape source = x.shape();
        // d reshape = g reshaped back
        return Tensor.record(y, "reshape", Tensor.NOTHING_SAVED, g -> new Tensor[] {g.reshape(source.dims())}, x);
    }

    /** Materialized permutation of axes. */
    static Tensor permute(Tensor x, int... perm) {
        Checks.open("permute", x);
        int r = x.rank();
        if (perm.length != r) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " has " + perm.length
                    + " axes, tensor " + x.shape() + " has " + r);
        }
        boolean[] seen = new boolean[r];
        int[] p = new int[r];
        for (int i = 0; i < r; i++) {
            int a = x.shape().axis(perm[i], "permute");
            if (seen[a]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " repeats axis " + perm[i]);
            }
            seen[a] = true;
            p[i] = a;
        }
        int[] outDims = new int[r];
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) {
            outDims[i] = x.shape().dim(p[i]);
            inverse[p[i]] = i;
        }
        Tensor y = Tensor.empty(x.backend(), Shape.of(outDims), x.dtype());
        x.backend().permute(x.storage(), x.shape().dims(), p, y.storage());
        KnownRange.copy(x, y);
        // d permute(perm) = g permuted by the inverse
        return Tensor.record(y, "permute", Tensor.NOTHING_SAVED, g -> new Tensor[] {g.permute(inverse)}, x);
    }

    /** Rows [from, to) along dimension 0. */
    static Tensor slice(Tensor x, int from, int to) {
        Checks.open("slice", x);
        if (x.rank() == 0) {
            throw new IllegalArgumentException("slice: cannot slice a scalar");
        }
        int n = x.shape().dim(0);
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("slice: range [" + from + ", " + to + ") is out of bounds for dimension 0 of "
                    + x.shape());
        }
        int row = x.shape().sizeBetween(1, x.rank());
        Shape out = x.shape().withDim(0, to - from);
        Tensor y = Tensor.empty(x.backend(), out, x.dtype());
        x.backend().copyBlocks(x.storage(), from * row, 0, y.storage(), 0, 0, 1, (to - from) * row);
        // A part of the rows lies within the range of all of them.
        KnownRange.copy(x, y);
        Shape source = x.shape();
        // d slice = g placed at rows [from, to) of zeros
        return Tensor.record(y, "slice", Tensor.NOTHING_SAVED, g -> {
            Tensor dx = Tensor.on(g.backend()).zeros(source);
            g.backend().copyBlocks(g.storage(), 0, 0, dx.storage(), from * row, 0, 1, g.size());
            return new Tensor[] {dx};
        }, x);
    }

    /** Rows picked by INT32 indices along dimension 0. */
    static Tensor indexSelect(Tensor x, Tensor indices) {
        Checks.open("indexSelect", x, indices);
        Checks.int32("indexSelect", "indices", indices);
        Checks.sameBackend("indexSelect", x, indices);
        Checks.rank("indexSelect", "indices", indices, 1);
        if (x.rank() == 0) {
            throw new IllegalArgumentException("indexSelect: cannot index a scalar");
        }
        int n = x.shape().dim(0);
        if (!KnownRange.within(indices, 0, n)) {
            // Indices computed on the device (range unknown) or out of range: read them once to check or to
            // name the bad one.
            int[] v = indices.toIntArray();
            for (int i : v) {
                if (i < 0 || i >= n) {
                    throw new IllegalArgumentException("indexSelect: index " + i + " is out of range [0, " + n
                            + ") for dimension 0 of " + x.shape());
                }
            }
            KnownRange.fromHost(indices, v, v.length);
        }
        int row = x.shape().sizeBetween(1, x.rank());
        int count = indices.size();
        Tensor y = Tensor.empty(x.backend(), x.shape().withDim(0, count), x.dtype());
        x.backend().gatherRows(x.storage(), indices.storage(), y.storage(), count, row);
        KnownRange.copy(x, y);
        Shape source = x.shape();
        // d gather = scatter-add of g into zeros (repeated rows accumulate)
        return Tensor.record(y, "index_select", Tensor.saves(indices), g -> {
            Tensor dx = Tensor.on(g.backend()).zeros(source);
            g.backend().scatterAddRows(g.storage(), indices.storage(), dx.storage(), count, row);
            return new Tensor[] {dx, null};
        }, x, indices);
    }

    /** Concatenation along {@code dim}. */
    static Tensor concat(List<Tensor> tensors, int dim) {
        if (tensors == null || tensors.isEmpty()) {
            throw new IllegalArgumentException("concat: needs at least one tensor");
        }
        Tensor first = tensors.get(0);
        Tensor[] arr = tensors.toArray(new Tensor[0]);
        Checks.open("concat", arr);
        Checks.sameBackend("concat", arr);
        int axis = first.shape().axis(dim, "concat");
        int total = 0;
        for (Tensor t : arr) {
            if (t.dtype() != first.dtype() || t.rank() != first.rank()) {
                throw new IllegalArgumentException("concat: " + t.shape() + " " + t.dtype() + " does not match "
                        + first.shape() + " " + first.dtype());
            }
            for (int i = 0; i < t.rank(); i++) {
                if (i != axis && t.shape().dim(i) != first.shape().dim(i)) {
                    throw new IllegalArgumentException("concat: shapes " + first.shape() + " and " + t.shape()
                            + " differ in dimension " + i + " (only dimension " + axis + " may differ)");
                }
            }
            total += t.shape().dim(axis);
        }
        Shape out = first.shape().withDim(axis, total);
        int outer = out.sizeBetween(0, axis);
        int inner = out.sizeBetween(axis + 1, out.rank());
        Backend be = first.backend();
        Tensor y = Tensor.empty(be, out, first.dtype());
        int[] offsets = new int[arr.length];
        int offset = 0;
        for (int i = 0; i < arr.length; i++) {
            offsets[i] = offset;
            int block = arr[i].shape().dim(axis) * inner;
            be.copyBlocks(arr[i].storage(), 0, block, y.storage(), offset * inner, total * inner, outer, block);
            offset += arr[i].shape().dim(axis);
        }
        KnownRange.union(y, arr);
        int totalRows = total;
        // d concat = the matching slice of g for each input
        return Tensor.record(y, "concat", Tensor.NOTHING_SAVED, g -> {
            Tensor[] grads = new Tensor[arr.length];
            for (int i = 0; i < arr.length; i++) {
                if (!arr[i].requiresGrad()) {
                    continue;
                }
                int block = arr[i].shape().dim(axis) * inner;
                Tensor gi = Tensor.empty(be, arr[i].shape(), DType.FLOAT32);
                be.copyBlocks(g.storage(), offsets[i] * inner, totalRows * inner, gi.storage(), 0, block, outer, block);
                grads[i] = gi;
            }
            return grads;
        }, arr);
    }

    /** The same values on another backend. */
    static Tensor to(Tensor x, Backend target) {
        Checks.open("to", x);
        if (x.backend() == target) {
            return x;
        }
        Tensor y = Tensor.empty(target, x.shape(), x.dtype());
        if (x.dtype() == DType.FLOAT32) {
            target.upload(x.toFloatArray(), 0, y.storage(), 0, x.size());
        } else {
            target.upload(x.toIntArray(), 0, y.storage(), 0, x.size());
        }
        KnownRange.copy(x, y);
        Backend source = x.backend();
        // d to(target) = g moved back
        return Tensor.record(y, "to_" + target.name(), Tensor.NOTHING_SAVED, g -> new Tensor[] {g.to(source)}, x);
    }
}

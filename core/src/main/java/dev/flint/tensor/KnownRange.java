package dev.flint.tensor;

/**
 * What is known, without reading the device, about the values of an INT32 tensor: the smallest and
 * largest element, or nothing. Labels uploaded from the host get their range there, where the data
 * already is ({@link TensorFactory#fromInts}); ops that only move elements (reshape, permute, slice,
 * gather, concatenation, moves between backends) pass it on; so the cross-entropy check reads no
 * labels back from the device. Values computed on the device start unknown; the first check of them
 * downloads them once and remembers what it saw.
 *
 * <p>Every INT32 tensor has one; tensors that share a storage (a reshape, a {@code detach()}) share
 * one, so an in-place write through either ({@code copyFrom}, {@code fill}, {@code mutableStorage()})
 * updates what both know.
 */
final class KnownRange {
    /** Inclusive bounds of the values; {@code min > max} for an empty tensor. */
    private record Bounds(int min, int max) {
    }

    private volatile Bounds bounds;

    private KnownRange() {
    }

    /** A holder that knows nothing yet. */
    static KnownRange unknown() {
        return new KnownRange();
    }

    /** Records that {@code t} holds {@code values[0 .. length)} (just uploaded, or just checked). */
    static void fromHost(Tensor t, int[] values, int length) {
        if (t.knownRange == null) {
            return;
        }
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < length; i++) {
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        t.knownRange.bounds = new Bounds(min, max);
    }

    /** {@code to} was made by moving elements of {@code from} only: it knows what {@code from} knows. */
    static void copy(Tensor from, Tensor to) {
        if (to.knownRange != null) {
            to.knownRange.assign(from.knownRange);
        }
    }

    /** {@code to} was made of the elements of all {@code from}: it knows their union, if all are known. */
    static void union(Tensor to, Tensor... from) {
        if (to.knownRange == null) {
            return;
        }
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (Tensor t : from) {
            Bounds b = t.knownRange == null ? null : t.knownRange.bounds;
            if (b == null) {
                to.knownRange.forget();
                return;
            }
            min = Math.min(min, b.min());
            max = Math.max(max, b.max());
        }
        to.knownRange.bounds = new Bounds(min, max);
    }

    /** Whether every value of {@code t} is known to lie in {@code [lo, hiExclusive)}. */
    static boolean within(Tensor t, int lo, int hiExclusive) {
        Bounds b = t.knownRange == null ? null : t.knownRange.bounds;
        return b != null && (b.min() > b.max() || (b.min() >= lo && b.max() < hiExclusive));
    }

    /** After an in-place copy: knows what {@code source} knows (null: nothing). */
    void assign(KnownRange source) {
        bounds = source == null ? null : source.bounds;
    }

    /** After an in-place write of values not looked at. */
    void forget() {
        bounds = null;
    }

    @Override
    public String toString() {
        Bounds b = bounds;
        return b == null ? "unknown" : "[" + b.min() + ", " + b.max() + "]";
    }
}

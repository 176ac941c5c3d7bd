package dev.flint.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Sums of a vector's lanes in one fixed order, lane 0 first, starting from +0: what
 * {@code reduceLanes(VectorOperators.ADD)} computes on JDK 17 both in C2's code and in the Vector
 * API's Java fallback (so JDK 17 keeps using it). The Vector API leaves the order of a float ADD
 * reduction unspecified, and JDK 25 compiles it as a tree while its fallback (the code that runs
 * before C2 has compiled a method) adds in lane order, so the same call could round differently early
 * and late in a run, and a result depended on which thread ran which chunk when
 * (ThreadCountIndependenceTest failed on JDK 25 in attention and in convolution's weight gradient).
 * Used wherever a kernel sums lanes.
 */
public final class LaneSums {

    private LaneSums() {
    }

    /**
     * On JDK 17 {@code reduceLanes(ADD)} adds the lanes in exactly this order both in C2's code and in
     * the fallback (measured: the same bits as the spelled-out sum below, for every input of a dot
     * product test), and it is faster: a 4096-element dot product with 16 sums took 224 ns against 299
     * at 512 bits, 202 against 233 at 256, on Zen 5. Other JDKs get the spelled-out sum.
     */
    private static final boolean REDUCE_IN_ORDER = Runtime.version().feature() == 17;

    /** {@code ((0 + v[0]) + v[1]) + ... + v[L - 1]}, in float. */
    public static float sum(FloatVector v) {
        if (REDUCE_IN_ORDER) {
            return v.reduceLanes(VectorOperators.ADD);
        }
        // the lanes spelled out (constant indices, one extract each): a loop over lane(i) was slower
        switch (v.length()) {
            case 16:
                return 0f + v.lane(0) + v.lane(1) + v.lane(2) + v.lane(3) + v.lane(4) + v.lane(5) + v.lane(6)
                        + v.lane(7) + v.lane(8) + v.lane(9) + v.lane(10) + v.lane(11) + v.lane(12) + v.lane(13)
                        + v.lane(14) + v.lane(15);
            case 8:
                return 0f + v.lane(0) + v.lane(1) + v.lane(2) + v.lane(3) + v.lane(4) + v.lane(5) + v.lane(6)
                        + v.lane(7);
            default:
                float s = 0f;
                for (int i = 0; i < v.length(); i++) {
                    s += v.lane(i);
                }
                return s;
        }
    }

    /** {@code ((0 + a[at]) + a[at + 1]) + ... + a[at + n - 1]}, in float: the same order over an array. */
    public static float sum(float[] a, int at, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[at + i];
        }
        return s;
    }
}

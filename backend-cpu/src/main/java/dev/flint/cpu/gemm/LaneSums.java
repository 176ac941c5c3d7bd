package dev.flint.cpu.gemm;

import jdk.incubator.vector.FloatVector;

/**
 * Sums of a vector's lanes in one fixed order, lane 0 first, starting from +0: what
 * {@code reduceLanes(VectorOperators.ADD)} computes on JDK 17 both in C2's code and in the Vector API's
 * Java fallback. The Vector API leaves the order of a float ADD reduction unspecified, and JDK 25
 * compiles it as a tree while its fallback (the code that runs before C2 has compiled a method) adds
 * in lane order, so the same call could round differently early and late in a run, and a result
 * depended on which thread ran which chunk when (ThreadCountIndependenceTest failed on JDK 25 in
 * attention and in convolution's weight gradient). Used wherever a kernel sums lanes.
 */
public final class LaneSums {

    private LaneSums() {
    }

    /** {@code ((0 + v[0]) + v[1]) + ... + v[L - 1]}, in float. */
    public static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
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

package dev.flint.cpu.gemm;

/** A GEMM implementation that computes one rectangular block of C for a validated call. */
interface Kernel {

    /**
     * Computes {@code C[i0:i1, j0:j1] = alpha * op(A)[i0:i1, :] * op(B)[:, j0:j1] + beta * C[...]}
     * on the calling thread. The arithmetic for an element must not depend on the block bounds.
     */
    void compute(GemmArgs g, int i0, int i1, int j0, int j1);

    /** Column blocks handed to {@link #compute} start at multiples of this (its panel width). */
    int columnAlign();

    /**
     * When threads split C by columns, their blocks start at multiples of this: a divisor of
     * {@link #columnAlign()} where the kernel computes a narrower edge block with the same bits,
     * so that the split can be even.
     */
    default int columnSplitAlign() {
        return columnAlign();
    }

    /** Row blocks handed to {@link #compute} start at multiples of this (its micro-tile height). */
    int rowAlign();

    /**
     * Whether threads should rather split C's rows than its columns for this call: a split by
     * columns makes every thread pack all of A, a split by rows all of B, and which copy is cheaper
     * depends on the kernel's packing.
     */
    boolean prefersRowSplit(GemmArgs g);

    /**
     * Whether this call is better computed as its transpose ({@link GemmArgs#swapped}), decided on the
     * call's shape alone, before the threads split it.
     */
    default boolean swapsOperands(GemmArgs g) {
        return false;
    }

    /** A short name for the log line and the probe. */
    String name();
}

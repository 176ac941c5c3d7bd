package dev.flint.cpu.gemm;

import dev.flint.cpu.parallel.Parallel;

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
     * depends on the kernel's packing (and on the rows each of {@code threads} threads would get).
     */
    boolean prefersRowSplit(GemmArgs g, int threads);

    /**
     * Whether threads should split this call's C by columns even where each thread gets only one or
     * two column blocks (the split's default then is by rows): where a row split would make every
     * thread copy (transpose) far more than a column split.
     */
    default boolean splitsColumns(GemmArgs g, int threads) {
        return false;
    }

    /**
     * Whether this call is better computed as its transpose ({@link GemmArgs#swapped}) when split
     * over this many threads; decided before the threads split it. The swapped call computes every
     * element with the same bits, so the choice may depend on the thread count.
     */
    default boolean swapsOperands(GemmArgs g, int threads) {
        return false;
    }

    /**
     * For a call that threads split by rows: the body each thread runs (once, whatever range it is
     * handed) to compute the whole call with the other threads, rows dealt as they come, or null where
     * the kernel splits this call into fixed shares ({@link #compute} per share).
     */
    default Parallel.RangeBody sharedRows(GemmArgs g, int threads) {
        return null;
    }

    /**
     * For a call that threads split by columns: the width of the column blocks to deal to the threads
     * as they come for more ({@link #compute} per block), or 0 where the kernel splits this call into
     * fixed shares.
     */
    default int dealtColumns(GemmArgs g, int threads) {
        return 0;
    }

    /**
     * Below this many multiply-adds a call runs on the calling thread: handing half of it to a second
     * thread costs about a microsecond (the fork, the join and the wait), which a call this small does
     * not win back. Kernels that take longer per multiply-add amortize it sooner.
     */
    default long parallelMinWork() {
        return 1L << 18;
    }

    /**
     * What a call of this shape costs, in multiply-adds or their worth, for the comparison with
     * {@link #parallelMinWork()}: {@code m n k} unless the kernel knows better.
     */
    default long work(int m, int n, int k) {
        return (long) m * n * k;
    }

    /** A short name for the log line and the probe. */
    String name();
}

package dev.flint.cpu.gemm;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * C's rows dealt to threads as they come, for a call that threads split by rows: blocks of rows
 * claimed one at a time, in every step of the call (a step is one panel of B: a block of columns and
 * of k), so that a thread on a slower core takes fewer rows instead of making the other wait. The two
 * vCPUs of this project's Zen 5 VM ran at times 1.2-1.6 times apart for minutes (the same one-thread
 * product pinned to each: 8.1 against 5.1 us), as another process or a busy neighbour makes any core.
 * With the rows fixed in halves, a core at 0.8 of the other's speed keeps the call 0.625 of the time
 * one fast core would take for all of it; dealt, 0.556.
 *
 * <p>The blocks are the same in every step: their bounds depend on the row count, the alignment and
 * the thread count only, sizes shrinking towards the end (a quarter of what is left per thread, at
 * most {@code maxRows}, at least one alignment unit) so that the last claims are short. A step's
 * k block adds into what the step before left in C, so a block is computed in a step only after that
 * block's previous step has finished ({@link #await}); the wait is rare, since blocks are claimed in
 * the same order in every step.
 *
 * <p>Every element is computed with the same arithmetic however its rows were dealt, so results do
 * not depend on which thread took which block.
 */
final class RowClaims {

    /** Block b covers rows {@code bounds[b]} to {@code bounds[b + 1]}. */
    private final int[] bounds;
    /** Per step: the next unclaimed block. */
    private final AtomicIntegerArray next;
    /** Per block: how many steps have finished it. */
    private final AtomicIntegerArray done;
    /** Set when a thread fails mid-call: the others stop instead of waiting for its blocks. */
    private volatile boolean failed;

    RowClaims(int rows, int align, int maxRows, int threads, int steps) {
        if (rows <= 0 || align <= 0 || maxRows < align || threads <= 0 || steps <= 0) {
            throw new IllegalArgumentException("RowClaims: rows=" + rows + " align=" + align + " maxRows="
                    + maxRows + " threads=" + threads + " steps=" + steps);
        }
        int units = (rows + align - 1) / align;
        int maxUnits = maxRows / align;
        int[] b = new int[units + 1];
        int count = 0;
        for (int u = 0; u < units; ) {
            int left = units - u;
            u += Math.max(1, Math.min(maxUnits, left / (4 * threads)));
            b[++count] = Math.min(rows, u * align);
        }
        this.bounds = java.util.Arrays.copyOf(b, count + 1);
        this.next = new AtomicIntegerArray(steps);
        this.done = new AtomicIntegerArray(count);
    }

    int blocks() {
        return bounds.length - 1;
    }

    int from(int block) {
        return bounds[block];
    }

    int to(int block) {
        return bounds[block + 1];
    }

    /** Whether the step has a block nobody has claimed yet (a thread with none skips the step's packing). */
    boolean anyLeft(int step) {
        return !failed && next.get(step) < blocks();
    }

    /** The next unclaimed block of the step, or -1 where none is left or another thread failed. */
    int claim(int step) {
        if (failed) {
            return -1;
        }
        int b = next.getAndIncrement(step);
        return b < blocks() ? b : -1;
    }

    /**
     * Waits until the block has finished every step before this one; false where another thread
     * failed meanwhile (the caller then stops: that thread's failure is the call's).
     */
    boolean await(int block, int step) {
        while (done.get(block) < step) {
            if (failed) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Marks the block's current step finished (its writes to C then happen before the next step's reads). */
    void finish(int block) {
        done.incrementAndGet(block);
    }

    void fail() {
        failed = true;
    }

    /** Whether a thread has failed mid-call. */
    boolean failed() {
        return failed;
    }
}

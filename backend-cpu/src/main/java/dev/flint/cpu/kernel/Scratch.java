package dev.flint.cpu.kernel;

/**
 * Per-thread scratch arrays that live across calls. Fresh memory is expensive to touch (a page fault
 * per 4 KiB), so kernels that need a large temporary (im2col columns, partial weight gradients,
 * reduction accumulators) borrow one here instead of allocating it per call. Each slot is a separate
 * array, so one kernel can hold several at once; a buffer only grows.
 *
 * <pre>{@code
 * float[] col = Scratch.floats(Scratch.COLUMNS, rows * cols);   // valid until this thread asks again
 * }</pre>
 */
final class Scratch {
    static final int COLUMNS = 0;
    static final int PARTIALS = 1;
    static final int ACCUMULATOR = 2;
    static final int STAGING = 3;
    static final int WEIGHTS = 4;
    /** Blocks of the Vector API loops that run exp over a buffer first ({@link VectorExp}, {@link VectorGelu}). */
    static final int BLOCKS = 5;
    /** The int slot: convolution tap offsets. */
    static final int OFFSETS = 0;
    private static final int SLOTS = 6;

    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[SLOTS][]);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[SLOTS][]);
    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[SLOTS][]);

    private Scratch() {
    }

    /** A float array of at least {@code size} elements for this thread's {@code slot}; contents are stale. */
    static float[] floats(int slot, int size) {
        float[][] slots = FLOATS.get();
        float[] buf = slots[slot];
        if (buf == null || buf.length < size) {
            buf = new float[size];
            slots[slot] = buf;
        }
        return buf;
    }

    /** A double array of at least {@code size} elements for this thread's {@code slot}; contents are stale. */
    static double[] doubles(int slot, int size) {
        double[][] slots = DOUBLES.get();
        double[] buf = slots[slot];
        if (buf == null || buf.length < size) {
            buf = new double[size];
            slots[slot] = buf;
        }
        return buf;
    }

    /** An int array of at least {@code size} elements for this thread's {@code slot}; contents are stale. */
    static int[] ints(int slot, int size) {
        int[][] slots = INTS.get();
        int[] buf = slots[slot];
        if (buf == null || buf.length < size) {
            buf = new int[size];
            slots[slot] = buf;
        }
        return buf;
    }
}

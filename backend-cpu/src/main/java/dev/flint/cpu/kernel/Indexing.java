package dev.flint.cpu.kernel;

import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;

/**
 * Row indexing: one-hot encoding, gathering rows by index and its gradient, scatter-add.
 *
 * <pre>{@code
 * Indexing.gatherRows(table, ids, out, ids.length, dim);        // embedding lookup
 * Indexing.scatterAddRows(dOut, ids, dTable, ids.length, dim);  // its gradient
 * }</pre>
 */
public final class Indexing {
    private Indexing() {
    }

    /** {@code out (rows, classes)}: 1 at {@code labels[r]} in row r, 0 elsewhere. */
    public static void oneHot(int[] labels, float[] out, int rows, int classes) {
        Parallel.forRange(0, rows, Math.max(1, Elementwise.GRAIN / Math.max(1, classes)), (r0, r1) -> {
            Arrays.fill(out, r0 * classes, r1 * classes, 0f);
            for (int r = r0; r < r1; r++) {
                out[r * classes + labels[r]] = 1f;
            }
        });
    }

    /** {@code dst[i, :] = src[indices[i], :]} for {@code i < count}. */
    public static void gatherRows(float[] src, int[] indices, float[] dst, int count, int rowLength) {
        Parallel.forRange(0, count, Math.max(1, Elementwise.GRAIN / Math.max(1, rowLength)), (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                System.arraycopy(src, indices[i] * rowLength, dst, i * rowLength, rowLength);
            }
        });
    }

    /**
     * {@code dst[indices[i], :] += src[i, :]} for {@code i < count}, in order of i. Threads split the
     * columns, never the rows, so two threads never add into the same element and repeated indices
     * accumulate in the same order whatever the thread count.
     */
    public static void scatterAddRows(float[] src, int[] indices, float[] dst, int count, int rowLength) {
        int grainColumns = Math.max(64, Elementwise.GRAIN / Math.max(1, count));
        Parallel.forRange(0, rowLength, grainColumns, (c0, c1) -> {
            int w = c1 - c0;
            for (int i = 0; i < count; i++) {
                int s = i * rowLength + c0;
                int d = indices[i] * rowLength + c0;
                for (int c = 0; c < w; c++) {
                    dst[d + c] += src[s + c];
                }
            }
        });
    }
}

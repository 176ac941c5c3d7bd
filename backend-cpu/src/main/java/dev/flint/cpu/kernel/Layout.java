package dev.flint.cpu.kernel;

import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;

/**
 * Data movement that changes layout: axis permutation (any rank, float or int) and dtype casts.
 *
 * <pre>{@code
 * // NCHW -> NHWC
 * Layout.permute(src, new int[] {n, c, h, w}, new int[] {0, 2, 3, 1}, dst);
 * }</pre>
 *
 * <p>A permutation is first simplified: axes of size 1 are dropped and neighbours that stay
 * neighbours merge, so a batched matrix transpose of any rank becomes a 3-axis problem. If the source's
 * innermost axis is still innermost in the destination, whole rows are copied; otherwise the
 * destination's innermost axis and the source's innermost axis form a transpose, done in
 * {@value #TILE} x {@value #TILE} tiles staged through a small buffer so that both sides read and write
 * whole cache lines.
 */
public final class Layout {
    static final int TILE = 64;

    private Layout() {
    }

    /**
     * {@code dst} = {@code src} with axes permuted as NumPy's {@code transpose(perm)}: dst axis i is
     * src axis {@code perm[i]}. {@code src} and {@code dst} are both {@code float[]} or both {@code int[]}.
     */
    public static void permute(Object src, int[] srcDims, int[] perm, Object dst) {
        int rank = srcDims.length;
        int[] srcStrides = new int[rank];
        int total = 1;
        for (int d = rank - 1; d >= 0; d--) {
            srcStrides[d] = total;
            total *= srcDims[d];
        }
        if (total == 0) {
            return;
        }
        // Collapse in destination order: dims[i] with source stride strides[i].
        int[] dims = new int[Math.max(rank, 1)];
        int[] strides = new int[dims.length];
        int r = 0;
        for (int i = 0; i < rank; i++) {
            int n = srcDims[perm[i]];
            int s = srcStrides[perm[i]];
            if (n == 1) {
                continue;
            }
            if (r > 0 && strides[r - 1] == s * n) {
                dims[r - 1] *= n;
                strides[r - 1] = s;
            } else {
                dims[r] = n;
                strides[r] = s;
                r++;
            }
        }
        if (r <= 1) {
            System.arraycopy(src, 0, dst, 0, total);
            return;
        }
        int[] dstStrides = new int[r];
        for (int i = r - 1, s = 1; i >= 0; i--) {
            dstStrides[i] = s;
            s *= dims[i];
        }
        int k = 0;
        while (strides[k] != 1) {
            k++;
        }
        if (k == r - 1) {
            copyRows(src, dst, dims, strides, dstStrides, r, total);
        } else {
            transposeTiles(src, dst, dims, strides, dstStrides, r, k, total);
        }
    }

    /** The innermost axis is contiguous on both sides: one {@code arraycopy} per row. */
    private static void copyRows(Object src, Object dst, int[] dims, int[] strides, int[] dstStrides, int r,
                                 int total) {
        int row = dims[r - 1];
        int rows = total / row;
        Parallel.forRange(0, rows, Math.max(1, Elementwise.GRAIN / row), (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int rest = q;
                int s = 0;
                int d = 0;
                for (int i = r - 2; i >= 0; i--) {
                    int idx = rest % dims[i];
                    rest /= dims[i];
                    s += idx * strides[i];
                    d += idx * dstStrides[i];
                }
                System.arraycopy(src, s, dst, d, row);
            }
        });
    }

    /**
     * Destination axis {@code k} is the source's innermost (stride 1) and destination axis r-1 is the
     * destination's innermost: for every combination of the other axes, transpose a
     * {@code dims[k] x dims[r-1]} matrix tile by tile. Work units are strips of {@value #TILE} rows.
     */
    private static void transposeTiles(Object src, Object dst, int[] dims, int[] strides, int[] dstStrides, int r,
                                       int k, int total) {
        int rowsK = dims[k];
        int cols = dims[r - 1];
        int srcColStride = strides[r - 1];
        int dstRowStride = dstStrides[k];
        int strips = (rowsK + TILE - 1) / TILE;
        int batches = total / (rowsK * cols);
        int grain = Math.max(1, Elementwise.GRAIN / (TILE * cols));
        Parallel.forRange(0, batches * strips, grain, (t0, t1) -> {
            Object buf = src instanceof float[]
                    ? Scratch.floats(Scratch.STAGING, TILE * TILE)
                    : new int[TILE * TILE];
            for (int t = t0; t < t1; t++) {
                int rest = t / strips;
                int i0 = (t % strips) * TILE;
                int s = 0;
                int d = 0;
                for (int i = r - 2; i >= 0; i--) {
                    if (i == k) {
                        continue;
                    }
                    int idx = rest % dims[i];
                    rest /= dims[i];
                    s += idx * strides[i];
                    d += idx * dstStrides[i];
                }
                int rows = Math.min(rowsK, i0 + TILE) - i0;
                for (int j0 = 0; j0 < cols; j0 += TILE) {
                    int width = Math.min(cols, j0 + TILE) - j0;
                    // Read each source line whole into the tile buffer, then write each destination line
                    // whole from it: strided access stays inside the 16 KiB buffer, so power-of-two strides
                    // (every source line in the same cache set) no longer evict each other.
                    for (int j = 0; j < width; j++) {
                        System.arraycopy(src, s + i0 + (j0 + j) * srcColStride, buf, j * TILE, rows);
                    }
                    int out = d + i0 * dstRowStride + j0;
                    if (buf instanceof float[] fb) {
                        tile(fb, (float[]) dst, out, dstRowStride, rows, width);
                    } else {
                        tile((int[]) buf, (int[]) dst, out, dstRowStride, rows, width);
                    }
                }
            }
        });
    }

    /** {@code dst[out + i * dstRowStride + j] = buf[j * TILE + i]}. */
    private static void tile(float[] buf, float[] dst, int out, int dstRowStride, int rows, int width) {
        for (int i = 0; i < rows; i++) {
            int o = out + i * dstRowStride;
            for (int j = 0; j < width; j++) {
                dst[o + j] = buf[j * TILE + i];
            }
        }
    }

    /** {@code dst[out + i * dstRowStride + j] = buf[j * TILE + i]}. */
    private static void tile(int[] buf, int[] dst, int out, int dstRowStride, int rows, int width) {
        for (int i = 0; i < rows; i++) {
            int o = out + i * dstRowStride;
            for (int j = 0; j < width; j++) {
                dst[o + j] = buf[j * TILE + i];
            }
        }
    }

    /** Copies above this many elements are split over threads: one core does not saturate memory. */
    static final int PARALLEL_COPY = 1 << 18;

    /**
     * For {@code i < blocks}, copies {@code blockLength} elements from {@code src[srcOffset + i * srcStride]}
     * to {@code dst[dstOffset + i * dstStride]}, like {@link System#arraycopy} per block (so overlapping
     * blocks in one array behave as a sequence of moves). Large copies between different arrays run in
     * parallel; within one array they stay sequential, because splitting would change what an
     * overlapping move reads.
     *
     * <pre>{@code
     * Layout.copyBlocks(src, 0, 4, dst, 0, 3, 2, 2);   // rows 0 and 2 of a 3x2 into a 2x3's columns 0..1
     * }</pre>
     */
    public static void copyBlocks(Object src, int srcOffset, int srcStride, Object dst, int dstOffset,
                                  int dstStride, int blocks, int blockLength) {
        long total = (long) blocks * blockLength;
        if (src == dst || total < PARALLEL_COPY) {
            for (int i = 0; i < blocks; i++) {
                System.arraycopy(src, srcOffset + i * srcStride, dst, dstOffset + i * dstStride, blockLength);
            }
        } else if (blocks == 1) {
            Parallel.forRange(0, blockLength, PARALLEL_COPY / 2, (from, to) ->
                    System.arraycopy(src, srcOffset + from, dst, dstOffset + from, to - from));
        } else {
            int grain = Math.max(1, PARALLEL_COPY / 2 / Math.max(1, blockLength));
            Parallel.forRange(0, blocks, grain, (b0, b1) -> {
                for (int i = b0; i < b1; i++) {
                    System.arraycopy(src, srcOffset + i * srcStride, dst, dstOffset + i * dstStride, blockLength);
                }
            });
        }
    }

    /**
     * Sets {@code length} elements from {@code offset} to {@code value} ({@code (int) value} in an
     * {@code int[]}), split over threads when large.
     */
    public static void fill(Object dst, int offset, int length, float value) {
        int grain = PARALLEL_COPY / 2;
        if (dst instanceof float[] f) {
            Parallel.forRange(offset, offset + length, grain, (from, to) -> Arrays.fill(f, from, to, value));
        } else {
            int v = (int) value;
            int[] i = (int[]) dst;
            Parallel.forRange(offset, offset + length, grain, (from, to) -> Arrays.fill(i, from, to, v));
        }
    }

    /**
     * Converts {@code n} elements: float to int truncates toward zero (NaN gives 0, out-of-range values
     * saturate, as Java's cast does); int to float rounds to nearest. Same-type casts copy.
     */
    public static void cast(Object src, Object dst, int n) {
        if (src instanceof float[] f && dst instanceof int[] out) {
            Parallel.forRange(0, n, Elementwise.GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) {
                    out[i] = (int) f[i];
                }
            });
        } else if (src instanceof int[] in && dst instanceof float[] out) {
            Parallel.forRange(0, n, Elementwise.GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) {
                    out[i] = in[i];
                }
            });
        } else {
            System.arraycopy(src, 0, dst, 0, n);
        }
    }
}

package dev.flint.cpu.kernel;

import dev.flint.backend.ReduceOp;
import dev.flint.cpu.parallel.Parallel;

/**
 * Reductions over the middle axis of a tensor viewed as {@code (outer, extent, inner)}.
 *
 * <pre>{@code
 * // column sums of a (rows, cols) matrix: outer 1, extent rows, inner cols
 * Reductions.reduce(ReduceOp.SUM, x, 1, rows, cols, out);
 * }</pre>
 *
 * <p>Sums accumulate in double, so a long extent loses no more than the final rounding to float.
 * A long row is summed in fixed blocks of {@value #BLOCK} elements whose partial sums are added in
 * order; the blocks may run on different threads, but the arithmetic is the same for any thread count.
 * MAX and MIN propagate NaN, as {@link Math#max(float, float)} does.
 */
public final class Reductions {
    /** Fixed block of a row sum: the unit of parallelism for a few long rows. */
    static final int BLOCK = 32_768;
    /** Columns reduced together when {@code inner > 1}: their accumulators stay in L1. */
    static final int TILE = 2_048;

    private Reductions() {
    }

    /** {@code out (outer, inner)} = {@code op} over the middle axis of {@code x (outer, extent, inner)}. */
    public static void reduce(ReduceOp op, float[] x, int outer, int extent, int inner, float[] out) {
        if (outer == 0 || inner == 0) {
            return;   // an empty output
        }
        if (inner == 1) {
            reduceRows(op, x, outer, extent, out);
        } else {
            reduceColumns(op, x, outer, extent, inner, out);
        }
    }

    private static void reduceRows(ReduceOp op, float[] x, int outer, int extent, float[] out) {
        if (extent <= BLOCK || outer >= 2 * Parallel.threads()) {
            int grain = Math.max(1, Elementwise.GRAIN / extent);
            Parallel.forRange(0, outer, grain, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    out[r] = reduceRow(op, x, r * extent, extent);
                }
            });
            return;
        }
        // A few long rows: split each row's fixed blocks over the threads, combine in block order.
        int blocks = (extent + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        for (int r = 0; r < outer; r++) {
            int rowStart = r * extent;
            Parallel.forRange(0, blocks, 1, (b0, b1) -> {
                for (int blk = b0; blk < b1; blk++) {
                    int off = rowStart + blk * BLOCK;
                    partial[blk] = reduceBlock(op, x, off, Math.min(BLOCK, rowStart + extent - off));
                }
            });
            out[r] = (float) combine(op, partial, blocks);
        }
    }

    /** One row, block by block, combined exactly as the parallel path combines its blocks. */
    private static float reduceRow(ReduceOp op, float[] x, int off, int len) {
        if (len <= BLOCK) {
            return (float) reduceBlock(op, x, off, len);
        }
        double acc = op == ReduceOp.SUM ? 0.0 : reduceBlock(op, x, off, Math.min(BLOCK, len));
        for (int start = op == ReduceOp.SUM ? 0 : BLOCK; start < len; start += BLOCK) {
            double v = reduceBlock(op, x, off + start, Math.min(BLOCK, len - start));
            acc = combine(op, acc, v);
        }
        return (float) acc;
    }

    private static double combine(ReduceOp op, double[] partial, int blocks) {
        double acc = op == ReduceOp.SUM ? 0.0 : partial[0];
        for (int blk = op == ReduceOp.SUM ? 0 : 1; blk < blocks; blk++) {
            acc = combine(op, acc, partial[blk]);
        }
        return acc;
    }

    private static double combine(ReduceOp op, double acc, double v) {
        return switch (op) {
            case SUM -> acc + v;
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
        };
    }

    private static double reduceBlock(ReduceOp op, float[] x, int off, int len) {
        switch (op) {
            case SUM -> {
                // Four independent chains keep the adder busy; double keeps the sum exact enough.
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                int i = 0;
                for (; i + 3 < len; i += 4) {
                    s0 += x[off + i];
                    s1 += x[off + i + 1];
                    s2 += x[off + i + 2];
                    s3 += x[off + i + 3];
                }
                for (; i < len; i++) {
                    s0 += x[off + i];
                }
                return (s0 + s1) + (s2 + s3);
            }
            case MAX -> {
                float m = x[off];
                for (int i = 1; i < len; i++) {
                    m = Math.max(m, x[off + i]);
                }
                return m;
            }
            case MIN -> {
                float m = x[off];
                for (int i = 1; i < len; i++) {
                    m = Math.min(m, x[off + i]);
                }
                return m;
            }
            default -> throw new IllegalArgumentException("reduce: unknown op " + op);
        }
    }

    private static void reduceColumns(ReduceOp op, float[] x, int outer, int extent, int inner, float[] out) {
        int tile = columnTile(outer, extent, inner, Parallel.threads());
        int tiles = (inner + tile - 1) / tile;
        int tileWork = extent * Math.min(tile, inner);
        Parallel.forRange(0, outer * tiles, Math.max(1, Elementwise.GRAIN / tileWork), (t0, t1) -> {
            double[] acc = op == ReduceOp.SUM ? Scratch.doubles(Scratch.ACCUMULATOR, Math.min(tile, inner)) : null;
            for (int t = t0; t < t1; t++) {
                int o = t / tiles;
                int j0 = (t % tiles) * tile;
                int w = Math.min(tile, inner - j0);
                int src = o * extent * inner + j0;
                int dst = o * inner + j0;
                switch (op) {
                    case SUM -> sumColumns(x, src, extent, inner, w, out, dst, acc);
                    case MAX -> {
                        System.arraycopy(x, src, out, dst, w);
                        for (int e = 1; e < extent; e++) {
                            int base = src + e * inner;
                            for (int j = 0; j < w; j++) {
                                out[dst + j] = Math.max(out[dst + j], x[base + j]);
                            }
                        }
                    }
                    case MIN -> {
                        System.arraycopy(x, src, out, dst, w);
                        for (int e = 1; e < extent; e++) {
                            int base = src + e * inner;
                            for (int j = 0; j < w; j++) {
                                out[dst + j] = Math.min(out[dst + j], x[base + j]);
                            }
                        }
                    }
                    default -> throw new IllegalArgumentException("reduce: unknown op " + op);
                }
            }
        });
    }

    /**
     * Columns per tile: {@link #TILE}, or, where a large reduction (at least {@code 2 * GRAIN}
     * elements) has fewer than four tiles per thread, tiles of equal width in a count that is a multiple
     * of the threads, so that every thread gets the same share. A convolution's bias gradient sums
     * (batch, channels x h x w) over the batch: 64 x 4704 was tiles of 2048, 2048 and 608 columns for 2
     * threads, 64 x 1600 one tile (Zen 5, two threads, alternated in one JVM: 64 x 1600 37.7 -> 18.5 us;
     * 64 x 4704 64.1 -> 52.8, within what that harness read for two copies of the old code).
     * Each column is still summed down the extent in order, so the width never changes a result.
     */
    static int columnTile(int outer, int extent, int inner, int threads) {
        long tiles = (long) outer * ((inner + TILE - 1) / TILE);
        if (threads <= 1 || tiles >= 4L * threads || (long) extent * inner * outer < 2L * Elementwise.GRAIN) {
            return TILE;
        }
        long wanted = (tiles + threads - 1) / threads * threads;
        long perOuter = (wanted + outer - 1) / outer;
        long width = (inner + perOuter - 1) / perOuter;
        return (int) Math.min(TILE, (width + 15) / 16 * 16);
    }

    private static void sumColumns(float[] x, int src, int extent, int inner, int w, float[] out, int dst,
                                   double[] acc) {
        for (int j = 0; j < w; j++) {
            acc[j] = x[src + j];
        }
        for (int e = 1; e < extent; e++) {
            int base = src + e * inner;
            for (int j = 0; j < w; j++) {
                acc[j] += x[base + j];
            }
        }
        for (int j = 0; j < w; j++) {
            out[dst + j] = (float) acc[j];
        }
    }

    /**
     * {@code out (outer, inner)} = index of the maximum along the middle axis of
     * {@code x (outer, extent, inner)}; the first index wins ties and the first NaN beats everything.
     */
    public static void argmax(float[] x, int outer, int extent, int inner, int[] out) {
        if (outer == 0 || inner == 0) {
            return;
        }
        if (inner == 1) {
            Parallel.forRange(0, outer, Math.max(1, Elementwise.GRAIN / extent), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int off = r * extent;
                    int bestIdx = 0;
                    float best = x[off];
                    for (int e = 1; e < extent && best == best; e++) {
                        float v = x[off + e];
                        if (v > best || v != v) {
                            best = v;
                            bestIdx = e;
                        }
                    }
                    out[r] = bestIdx;
                }
            });
            return;
        }
        int tiles = (inner + TILE - 1) / TILE;
        int tileWork = extent * Math.min(TILE, inner);
        Parallel.forRange(0, outer * tiles, Math.max(1, Elementwise.GRAIN / tileWork), (t0, t1) -> {
            float[] best = Scratch.floats(Scratch.ACCUMULATOR, Math.min(TILE, inner));
            for (int t = t0; t < t1; t++) {
                int o = t / tiles;
                int j0 = (t % tiles) * TILE;
                int w = Math.min(TILE, inner - j0);
                int src = o * extent * inner + j0;
                int dst = o * inner + j0;
                System.arraycopy(x, src, best, 0, w);
                for (int j = 0; j < w; j++) {
                    out[dst + j] = 0;
                }
                for (int e = 1; e < extent; e++) {
                    int base = src + e * inner;
                    for (int j = 0; j < w; j++) {
                        float v = x[base + j];
                        float b = best[j];
                        // b == b: once the best is NaN nothing replaces it, so the first NaN wins.
                        if (v > b || (v != v && b == b)) {
                            best[j] = v;
                            out[dst + j] = e;
                        }
                    }
                }
            }
        });
    }
}

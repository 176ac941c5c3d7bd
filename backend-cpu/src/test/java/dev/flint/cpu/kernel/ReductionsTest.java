package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.ReduceOp;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReductionsTest {
    private final Random random = new Random(5);

    @Test
    void sumsAreAccurateOverLongExtents() {
        int[][] shapes = {{3, 100_003, 1}, {2, 5000, 3}, {1, 70_001, 2}};
        for (int[] s : shapes) {
            int outer = s[0];
            int extent = s[1];
            int inner = s[2];
            float[] x = new float[outer * extent * inner];
            for (int i = 0; i < x.length; i++) {
                x[i] = 1f + (float) random.nextGaussian() * 1e-3f;   // float accumulation would drift ~1e-3
            }
            float[] out = new float[outer * inner];
            Reductions.reduce(ReduceOp.SUM, x, outer, extent, inner, out);
            for (int o = 0; o < outer; o++) {
                for (int j = 0; j < inner; j++) {
                    double ref = 0;
                    for (int e = 0; e < extent; e++) {
                        ref += x[(o * extent + e) * inner + j];
                    }
                    assertEquals((float) ref, out[o * inner + j], Math.ulp((float) ref), "sum at " + o + ", " + j);
                }
            }
        }
    }

    @Test
    void columnSumsSplitNarrowerForTheThreadsAndStayExact() {
        // a convolution's bias gradients: (batch, channels x h x w) summed over the batch
        assertEquals(1184, Reductions.columnTile(1, 64, 4704, 2), "4 tiles: 2 per thread");
        assertEquals(800, Reductions.columnTile(1, 64, 1600, 2));
        assertEquals(1040, Reductions.columnTile(1, 33, 2049, 2), "2 tiles of 1040 and 1009, not 2048 and 1");
        assertEquals(1600, Reductions.columnTile(4, 64, 1600, 2), "a tile per outer row: as before");
        assertEquals(Reductions.TILE, Reductions.columnTile(1, 64, 120, 2), "too small to share");
        assertEquals(Reductions.TILE, Reductions.columnTile(1, 64, 40_000, 2), "enough tiles already");
        assertEquals(Reductions.TILE, Reductions.columnTile(1, 64, 4704, 1));
        for (int[] s : new int[][] {{1, 64, 4704}, {1, 64, 1600}, {1, 33, 2049}, {2, 40, 999}}) {
            int outer = s[0];
            int extent = s[1];
            int inner = s[2];
            float[] x = new float[outer * extent * inner];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[outer * inner];
            Reductions.reduce(ReduceOp.SUM, x, outer, extent, inner, out);
            for (int o = 0; o < outer; o++) {
                for (int j = 0; j < inner; j++) {
                    double ref = x[o * extent * inner + j];    // the kernel's order: down the extent, in double
                    for (int e = 1; e < extent; e++) {
                        ref += x[(o * extent + e) * inner + j];
                    }
                    assertEquals((float) ref, out[o * inner + j], 0f, "sum at " + o + ", " + j);
                }
            }
        }
    }

    @Test
    void emptyShapesWriteNothing() {
        float[] out = {42f};
        Reductions.reduce(ReduceOp.SUM, new float[0], 0, 3, 5, out);
        Reductions.reduce(ReduceOp.MAX, new float[0], 2, 3, 0, out);
        int[] idx = {42};
        Reductions.argmax(new float[0], 4, 2, 0, idx);
        assertEquals(42f, out[0]);
        assertEquals(42, idx[0]);
    }

    @Test
    void maxAndMinPropagateNaN() {
        float[] x = {3, Float.NaN, 1, /* row 2 */ -2, 5, 0};
        float[] out = new float[2];
        Reductions.reduce(ReduceOp.MAX, x, 2, 3, 1, out);
        assertArrayEquals(new float[] {Float.NaN, 5}, out);
        Reductions.reduce(ReduceOp.MIN, x, 2, 3, 1, out);
        assertArrayEquals(new float[] {Float.NaN, -2}, out);
        // over columns: (1, 2, 3)
        float[] cols = new float[3];
        Reductions.reduce(ReduceOp.MAX, x, 1, 2, 3, cols);
        assertArrayEquals(new float[] {3, Float.NaN, 1}, cols);
    }

    @Test
    void argmaxFirstMaxWinsAndNaNCountsAsMax() {
        float[] x = {1, 7, 7, 2, /* row 2 */ 0, Float.NaN, 9, Float.NaN};
        int[] out = new int[2];
        Reductions.argmax(x, 2, 4, 1, out);
        assertArrayEquals(new int[] {1, 1}, out);
        // along the first axis of (4, 2): columns {1, 7, 0, NaN}... read as (1, 4, 2)
        int[] cols = new int[2];
        Reductions.argmax(x, 1, 4, 2, cols);
        // column 0: 1, 7, 0, 9 -> 3; column 1: 7, 2, NaN, NaN -> 2
        assertArrayEquals(new int[] {3, 2}, cols);
    }
}

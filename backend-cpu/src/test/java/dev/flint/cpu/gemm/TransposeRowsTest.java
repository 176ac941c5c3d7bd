package dev.flint.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The transposing pack of the Vector API kernel, against its definition: every shape around the
 * register blocks (16 x 16 at 512 bits, 8 x 8 at 256) and their scalar edges, with strides, offsets and
 * a destination wider than the rows, which must keep what lies outside the written window.
 */
class TransposeRowsTest {

    private static final float UNTOUCHED = -7.25f;

    @Test
    void rowsBecomeColumnsAndNothingElseIsWritten() {
        Assumptions.assumeTrue(VectorSupport.vectorKernelIfAvailable() != null, "no Vector API kernel in this JVM");
        int[] rowCounts = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48};
        int[] kcs = {0, 1, 7, 8, 9, 15, 16, 17, 33, 69};
        for (int rows : rowCounts) {
            for (int kc : kcs) {
                for (int ldPad : new int[] {0, 5}) {
                    for (int width : new int[] {Math.max(1, rows), rows + 3, 48}) {
                        if (width >= rows) {
                            check(rows, kc, kc + ldPad, width);
                        }
                    }
                }
            }
        }
    }

    /** The pack of a whole W panel: 48 rows of a 784-long stride, as x W^T's slivers take them. */
    @Test
    void aSliverOfALinearLayersWeights() {
        Assumptions.assumeTrue(VectorSupport.vectorKernelIfAvailable() != null, "no Vector API kernel in this JVM");
        check(48, 784, 784, 48);
        check(40, 512, 800, 48);
    }

    private static void check(int rows, int kc, int ld, int width) {
        int s = 3;
        int d = 2;
        float[] src = new float[s + Math.max(0, rows - 1) * ld + kc + 4];
        for (int i = 0; i < src.length; i++) {
            src[i] = i + 1;
        }
        float[] before = src.clone();
        float[] dst = new float[d + kc * width + 5];
        Arrays.fill(dst, UNTOUCHED);
        VectorKernel.transposeRows(src, s, ld, rows, kc, dst, d, width);
        String what = rows + " rows, kc " + kc + ", ld " + ld + ", width " + width;
        for (int i = 0; i < dst.length; i++) {
            int at = i - d;
            float expected = UNTOUCHED;
            if (at >= 0 && at < kc * width && at % width < rows) {
                int p = at / width;
                int r = at % width;
                expected = src[s + r * ld + p];
            }
            assertEquals(expected, dst[i], what + ": dst[" + i + "]");
        }
        assertArrayEquals(before, src, what + ": source changed");
    }
}

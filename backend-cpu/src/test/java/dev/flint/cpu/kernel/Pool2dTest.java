package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.PoolGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Pool2dTest {
    private final Random random = new Random(11);

    private float[] randomInts(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt(5);   // many ties, so the first-maximum rule matters
        }
        return v;
    }

    @Test
    void maxPoolWithPaddingAndTiesAgainstNaive() {
        checkMaxPool(new PoolGeometry(2, 3, 7, 6, 3, 2, 2, 2, 1, 1));
    }

    @Test
    void maxPoolTwoByTwoFastPathAgainstNaive() {
        checkMaxPool(new PoolGeometry(3, 2, 9, 8, 2, 2, 2, 2, 0, 0));   // odd height: last row unused
    }

    private void checkMaxPool(PoolGeometry g) {
        float[] x = randomInts(g.inputSize());
        float[] y = new float[g.outputSize()];
        int[] idx = new int[g.outputSize()];
        Pool2d.maxForward(g, x, y, idx);
        float[] dy = randomInts(g.outputSize());
        float[] dx = randomInts(g.inputSize());
        Pool2d.maxBackward(g, dy, idx, dx);

        float[] dxExpected = new float[g.inputSize()];
        int planeIn = g.inH() * g.inW();
        int o = 0;
        for (int p = 0; p < g.batch() * g.channels(); p++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++, o++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int bestIdx = -1;
                    for (int i = 0; i < g.kernelH(); i++) {
                        for (int j = 0; j < g.kernelW(); j++) {
                            int h = oh * g.strideH() - g.padH() + i;
                            int w = ow * g.strideW() - g.padW() + j;
                            boolean inside = h >= 0 && h < g.inH() && w >= 0 && w < g.inW();
                            if (inside && x[p * planeIn + h * g.inW() + w] > best) {
                                best = x[p * planeIn + h * g.inW() + w];
                                bestIdx = h * g.inW() + w;
                            }
                        }
                    }
                    assertEquals(best, y[o], "max at output " + o);
                    assertEquals(bestIdx, idx[o], "index at output " + o);
                    dxExpected[p * planeIn + bestIdx] += dy[o];
                }
            }
        }
        assertArrayEquals(dxExpected, dx);
    }

    @Test
    void maxPoolPicksFirstNaN() {
        PoolGeometry g = new PoolGeometry(1, 1, 2, 2, 2, 2, 2, 2, 0, 0);
        float[] y = new float[1];
        int[] idx = new int[1];
        Pool2d.maxForward(g, new float[] {1, Float.NaN, 5, Float.NaN}, y, idx);
        assertEquals(Float.NaN, y[0]);
        assertEquals(1, idx[0]);
        PoolGeometry three = new PoolGeometry(1, 1, 2, 3, 2, 3, 2, 3, 0, 0);
        Pool2d.maxForward(three, new float[] {1, 2, 3, 4, Float.NaN, 6}, y, idx);
        assertEquals(Float.NaN, y[0]);
        assertEquals(4, idx[0], "general path");
    }

    @Test
    void maxPoolTreatsSignedZerosAsTiesAndHandlesInfinities() {
        PoolGeometry g = new PoolGeometry(1, 1, 2, 4, 2, 2, 2, 2, 0, 0);
        float[] y = new float[2];
        int[] idx = new int[2];
        // windows: {-0, +0, -1, -2} -> first zero wins; {-inf, -inf, -inf, -inf} -> index of the first
        Pool2d.maxForward(g, new float[] {-0f, 0f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY,
                                          -1f, -2f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, y, idx);
        assertArrayEquals(new int[] {0, 2}, idx);
        assertEquals(Float.NEGATIVE_INFINITY, y[1]);
    }

    @Test
    void avgPoolCountsPaddingAsZeros() {
        // 3x3 input of ones, kernel 3, stride 1, pad 1: the corner sees 4 ones out of 9
        PoolGeometry g = new PoolGeometry(1, 1, 3, 3, 3, 3, 1, 1, 1, 1);
        float[] x = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] y = new float[9];
        Pool2d.avgForward(g, x, y);
        assertArrayEquals(new float[] {4 / 9f, 6 / 9f, 4 / 9f, 6 / 9f, 1, 6 / 9f, 4 / 9f, 6 / 9f, 4 / 9f}, y, 1e-6f);

        // backward is the transpose: <avg(x), dy> == <x, avgBackward(dy)> for any x, dy
        PoolGeometry big = new PoolGeometry(2, 2, 9, 7, 3, 2, 2, 2, 1, 1);
        float[] bx = randomInts(big.inputSize());
        float[] by = new float[big.outputSize()];
        Pool2d.avgForward(big, bx, by);
        float[] dy = randomInts(big.outputSize());
        float[] dx = randomInts(big.inputSize());
        Pool2d.avgBackward(big, dy, dx);
        double lhs = 0;
        double rhs = 0;
        for (int i = 0; i < by.length; i++) {
            lhs += (double) by[i] * dy[i];
        }
        for (int i = 0; i < bx.length; i++) {
            rhs += (double) bx[i] * dx[i];
        }
        assertEquals(lhs, rhs, 1e-3 * Math.abs(lhs));
    }
}

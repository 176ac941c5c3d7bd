package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.ConvGeometry;
import dev.flint.cpu.parallel.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** im2col + GEMM against a direct seven-loop convolution in double. */
class Conv2dTest {
    private final Random random = new Random(3);

    private float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** Calls {@code visit(xIndex, wIndex, yIndex)} for every multiply of the direct convolution. */
    private interface Tap {
        void visit(int xi, int wi, int yi);
    }

    private static void direct(ConvGeometry g, Tap tap) {
        int oh = g.outH();
        int ow = g.outW();
        for (int n = 0; n < g.batch(); n++) {
            for (int o = 0; o < g.outChannels(); o++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        int yi = ((n * g.outChannels() + o) * oh + y) * ow + x;
                        for (int c = 0; c < g.inChannels(); c++) {
                            for (int i = 0; i < g.kernelH(); i++) {
                                for (int j = 0; j < g.kernelW(); j++) {
                                    int h = y * g.strideH() - g.padH() + i;
                                    int w = x * g.strideW() - g.padW() + j;
                                    if (h < 0 || h >= g.inH() || w < 0 || w >= g.inW()) {
                                        continue;
                                    }
                                    int xi = ((n * g.inChannels() + c) * g.inH() + h) * g.inW() + w;
                                    int wi = ((o * g.inChannels() + c) * g.kernelH() + i) * g.kernelW() + j;
                                    tap.visit(xi, wi, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])), what + " at " + i);
        }
    }

    /** The forward in double precision, plus the bias. */
    private static double[] forwardReference(ConvGeometry g, float[] x, float[] w, float[] bias) {
        double[] y = new double[g.outputSize()];
        direct(g, (xi, wi, yi) -> y[yi] += (double) x[xi] * w[wi]);
        int outHw = g.outH() * g.outW();
        for (int i = 0; i < y.length; i++) {
            y[i] += bias[(i / outHw) % g.outChannels()];
        }
        return y;
    }

    private void checkAll(ConvGeometry g, boolean withBias) {
        float[] x = random(g.inputSize());
        float[] w = random(g.weightSize());
        float[] bias = withBias ? random(g.outChannels()) : null;
        float[] dy = random(g.outputSize());
        int outHw = g.outH() * g.outW();

        double[] y = new double[g.outputSize()];
        double[] dx = new double[g.inputSize()];
        double[] dw = new double[g.weightSize()];
        direct(g, (xi, wi, yi) -> {
            y[yi] += (double) x[xi] * w[wi];
            dx[xi] += (double) dy[yi] * w[wi];
            dw[wi] += (double) dy[yi] * x[xi];
        });
        if (bias != null) {
            for (int i = 0; i < y.length; i++) {
                y[i] += bias[(i / outHw) % g.outChannels()];
            }
        }
        float[] gotY = new float[g.outputSize()];
        float[] gotDx = random(g.inputSize());   // stale contents must be overwritten
        float[] gotDw = random(g.weightSize());
        Conv2d.forward(g, x, w, bias, gotY);
        Conv2d.backwardData(g, dy, w, gotDx);
        Conv2d.backwardWeight(g, x, dy, gotDw);
        assertClose(y, gotY, "forward " + g);
        assertClose(dx, gotDx, "backward data " + g);
        assertClose(dw, gotDw, "backward weight " + g);
    }

    @Test
    void strideTwoWithPadding() {
        checkAll(new ConvGeometry(3, 2, 9, 8, 4, 3, 3, 2, 2, 1, 1), true);
        checkAll(new ConvGeometry(2, 3, 7, 10, 5, 3, 2, 2, 3, 1, 1), false);
    }

    @Test
    void paddingWiderThanTheKernelReach() {
        // pad 3 with a 2x2 kernel: whole output rows and columns see only padding
        checkAll(new ConvGeometry(2, 2, 5, 4, 3, 2, 2, 1, 1, 3, 3), true);
    }

    @Test
    void imagesGroupedIntoOneGemm() {
        // batch >= 2 * MIN_GROUPS with small outputs: several images share a GEMM, the last group is short
        ConvGeometry strided = new ConvGeometry(37, 2, 5, 5, 3, 3, 3, 2, 2, 1, 1);
        assertEquals(2, Conv2d.imagesPerGemm(strided));
        checkAll(strided, true);
        ConvGeometry pointwise = new ConvGeometry(50, 3, 4, 4, 5, 1, 1, 1, 1, 0, 0);
        assertEquals(3, Conv2d.imagesPerGemm(pointwise));
        checkAll(pointwise, true);
    }

    @Test
    void pointwiseAndLargeBatchGroups() {
        checkAll(new ConvGeometry(13, 4, 5, 6, 7, 1, 1, 1, 1, 0, 0), true);
        checkAll(new ConvGeometry(1, 3, 12, 12, 8, 5, 5, 1, 1, 2, 2), true);
        checkAll(new ConvGeometry(19, 1, 6, 6, 2, 3, 3, 3, 3, 0, 0), false);
    }

    @Test
    void directStrideOnePathMatchesTheReference() {
        // the Vector API's direct convolution: LeNet's layers, channel counts that leave partial
        // channel tiles, kernels wider than one weight tile (7 = 5 + 2), every padding below the kernel
        ConvGeometry[] geometries = {
            new ConvGeometry(3, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2),
            new ConvGeometry(3, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0),
            new ConvGeometry(11, 3, 9, 13, 17, 3, 3, 1, 1, 1, 1),
            new ConvGeometry(2, 5, 12, 9, 10, 7, 4, 1, 1, 3, 0),
            new ConvGeometry(1, 2, 6, 5, 3, 2, 3, 1, 1, 1, 2),
            // two or three images per weight-gradient slice, summed in one pass of the registers
            new ConvGeometry(20, 2, 7, 6, 3, 3, 3, 1, 1, 0, 1),
            // at 256 bits output channels in the lanes: two blocks of 16, the second partial, padding rows skipped
            new ConvGeometry(5, 2, 8, 12, 30, 3, 7, 1, 1, 1, 2),
        };
        for (ConvGeometry g : geometries) {
            assertEquals(FloatMath.VECTOR, Conv2d.direct(g), "direct path taken for " + g);
            checkAll(g, true);
        }
    }

    @Test
    void channelLaneTilesOverWholeRowsGiveTheBitsOfTilesOverAnySixPositions() {
        // rows of 10 (5 + 5, LeNet conv2), 24 (6 x 4), 8 (4 + 4), 13 (5 + 4 + 4), 7 (no row tiles);
        // partial channel blocks, padding rows skipped
        assertEquals(2, DirectConv.rowChunks(10));
        assertEquals(4, DirectConv.rowChunks(24));
        assertEquals(2, DirectConv.rowChunks(8));
        assertEquals(3, DirectConv.rowChunks(13));
        assertEquals(1, DirectConv.rowChunks(4));
        assertEquals(0, DirectConv.rowChunks(7));
        assertEquals(0, DirectConv.rowChunks(3));
        ConvGeometry[] geometries = {
            new ConvGeometry(3, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0),
            new ConvGeometry(2, 2, 26, 28, 20, 3, 5, 1, 1, 1, 0),
            new ConvGeometry(2, 3, 12, 12, 16, 5, 5, 1, 1, 0, 0),
            new ConvGeometry(3, 2, 9, 17, 33, 5, 5, 1, 1, 1, 0),
            new ConvGeometry(2, 2, 9, 9, 16, 3, 3, 1, 1, 0, 0),
        };
        boolean before = DirectConv.laneRows;
        try {
            for (ConvGeometry g : geometries) {
                float[] x = random(g.inputSize());
                float[] w = random(g.weightSize());
                float[] bias = random(g.outChannels());
                float[] rows = random(g.outputSize());   // stale contents must be overwritten
                float[] any = new float[g.outputSize()];
                DirectConv.laneRows = true;
                DirectConv.forward(g, x, w, bias, rows, false);
                DirectConv.laneRows = false;
                DirectConv.forward(g, x, w, bias, any, false);
                assertArrayEquals(any, rows, "forward " + g);
                assertClose(forwardReference(g, x, w, bias), rows, "forward over whole rows " + g);
            }
        } finally {
            DirectConv.laneRows = before;
        }
    }

    /** 512-bit vectors: where the direct convolution can put images in the lanes. */
    private static boolean wide() {
        return FloatMath.VECTOR && ConvTiles.L >= 16;
    }

    @Test
    void lenetConv2ForwardTakesImagesInTheLanesAndMatchesTheReference() {
        // LeNet's second layer at batch 64: the grid computes 144 positions for 100, the lanes none extra
        ConvGeometry g = new ConvGeometry(64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0);
        int threads = Parallel.threads();
        try {
            // four groups of 16 images share out evenly over 1, 2 or 4 threads, not over 3 or 8
            for (int t : FloatMath.VECTOR ? new int[] {1, 2, 3, 4, 8} : new int[0]) {
                Parallel.setThreads(t);
                boolean even = t != 3 && t != 8;
                assertEquals(wide() && even, DirectConv.batchLanes(g, false, null),
                        "forward with images in the lanes, " + t + " threads");
                assertEquals(false, DirectConv.batchLanes(g, true, null), "data gradient on the grid, " + t + " threads");
            }
            Parallel.setThreads(2);
            checkAll(g, true);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void imagesInTheLanesGiveTheGridsBitsForEveryBatchAndTile() {
        if (!FloatMath.VECTOR) {
            return;
        }
        // partial image groups (3, 20, 37 images), channel counts that leave partial tiles, rows that
        // are not whole tiles, padding (rows of taps skipped), kernels wider than tall, one channel out
        ConvGeometry[] geometries = {
            new ConvGeometry(3, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0),
            new ConvGeometry(20, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0),
            new ConvGeometry(37, 3, 9, 13, 7, 3, 3, 1, 1, 1, 1),
            new ConvGeometry(16, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2),
            new ConvGeometry(17, 5, 12, 9, 10, 7, 4, 1, 1, 3, 0),
            new ConvGeometry(18, 2, 6, 5, 1, 2, 3, 1, 1, 1, 2),
        };
        for (ConvGeometry g : geometries) {
            for (boolean data : new boolean[] {false, true}) {
                assertEquals(wide(), DirectConv.batchLanes(g, data, true), "lanes forced for " + g);
                assertEquals(false, DirectConv.batchLanes(g, data, false), "grid forced for " + g);
            }
            float[] x = random(g.inputSize());
            float[] w = random(g.weightSize());
            float[] bias = random(g.outChannels());
            float[] dy = random(g.outputSize());
            float[] lanes = random(g.outputSize());   // stale contents must be overwritten
            float[] grid = new float[g.outputSize()];
            DirectConv.forward(g, x, w, bias, lanes, true);
            DirectConv.forward(g, x, w, bias, grid, false);
            assertArrayEquals(grid, lanes, "forward " + g);
            DirectConv.forward(g, x, w, null, lanes, true);
            DirectConv.forward(g, x, w, null, grid, false);
            assertArrayEquals(grid, lanes, "forward without bias " + g);
            float[] dxLanes = random(g.inputSize());
            float[] dxGrid = new float[g.inputSize()];
            DirectConv.backwardData(g, dy, w, dxLanes, true);
            DirectConv.backwardData(g, dy, w, dxGrid, false);
            assertArrayEquals(dxGrid, dxLanes, "backward data " + g);
        }
        // and against the double-precision reference with the lanes forced
        ConvGeometry g = new ConvGeometry(21, 3, 9, 13, 7, 3, 3, 1, 1, 1, 1);
        float[] x = random(g.inputSize());
        float[] w = random(g.weightSize());
        float[] bias = random(g.outChannels());
        float[] got = new float[g.outputSize()];
        DirectConv.forward(g, x, w, bias, got, true);
        assertClose(forwardReference(g, x, w, bias), got, "forward with images in the lanes " + g);
    }
}

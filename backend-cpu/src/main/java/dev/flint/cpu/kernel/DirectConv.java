package dev.flint.cpu.kernel;

import dev.flint.backend.ConvGeometry;
import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Stride-1 convolution without im2col, on the Vector API ({@link ConvTiles}); {@link Conv2d} uses it
 * for small channel counts, where im2col's columns matrix (every input pixel copied kh * kw times)
 * costs as much as the product itself: LeNet's 6 -> 16 channel layer spent about half its forward
 * time writing and re-reading 150 x 6400 columns.
 *
 * <p>Each image's channels are copied once into a zero-padded grid of width {@code wp = inW + 2 padW};
 * output position {@code q = oh * wp + ow} then reads kernel tap (c, kh, kw) at the fixed offset
 * {@code c * plane + kh * wp + kw + q}, so the inputs a tap needs for L consecutive positions are one
 * vector load, and a register tile of output channels x positions is a GEMM tile whose B rows are the
 * padded image at those offsets. The columns {@code ow >= outW} of the grid are computed and dropped
 * ({@code (kw - 1) / wp} of the work: 29% for LeNet's 14-wide second layer, 12% for the first).
 * Each layer takes the tile that computes the fewest padded outputs ({@code TILES}; at 256 bits also
 * a tile with output channels in the lanes that computes only valid positions, {@code LANE_TILES}),
 * and the taps are ordered kernel row first, so that a tile leaves out the kernel rows that read
 * only the zero padding for all its positions (adding nothing: sums start at +0).
 *
 * <p>At 512 bits a batch of at least one vector of images can instead put the images in the lanes
 * ({@code BATCH_TILES}): L images are interleaved into one padded grid ({@code x[(c * plane + q) * L +
 * image]}, a gather per position), consecutive positions of an output row are then L floats apart, so
 * the same forward tiles compute channels x positions of one row for L images at once, with no
 * dropped columns; a scatter per (channel, position) writes the row back into the images. Each output
 * element is the same fma chain in the same tap order as on the grid, so both layouts give the same
 * bits.
 * <pre>
 *   forward:         y = sum over taps of w(o, tap) * x(tap + q), plus the bias
 *   backward data:   the forward of dy padded by (k - 1 - pad) with the kernel flipped and its two
 *                    channel axes swapped
 *   backward weight: dw(o, tap) = sum over images and q of dy(o, q) * x(tap + q), in vector lanes
 *                    kept in registers across a batch slice's images, dy zero on the dropped columns
 * </pre>
 *
 * <p>Every output element is one fma chain in a fixed order (taps; or images and lanes for the weight
 * gradient, over the same {@link Conv2d#WEIGHT_GROUPS} batch slices as the im2col path), so results do
 * not depend on the thread count. They differ from the im2col path's in rounding only.
 */
final class DirectConv {
    private static final int L = ConvTiles.L;
    private static final boolean WIDE = L >= 16;
    /**
     * The forward tiles, output channels x vectors of positions: 8x3 or 6x4 with 32 vector registers,
     * whichever computes fewer padded outputs for the layer (LeNet's data gradient into 6 channels: 6x4,
     * a third less than 8x3); 6x2 with 16 (as the GEMM tiles). At 256 bits 4x3 and 4x2 for 16 output
     * channels computed 11% less but ran 30-75% slower than 6x2 (LeNet conv2 forward, Zen 5, UseAVX=2).
     */
    private static final int[][] TILES = WIDE ? new int[][] {{8, 3}, {6, 4}} : new int[][] {{6, 2}};
    /**
     * The forward tiles with output channels in the lanes, vectors of channels x positions: 2 x 6 at
     * 256 bits. They compute only the valid positions (the grid tiles also compute the {@code kw - 1}
     * dropped columns of every row: LeNet conv2 computes 144 positions for 100), each input a broadcast,
     * so a layer takes them when they compute fewer padded outputs than the grid tiles: LeNet conv2
     * forward ran 210 us instead of 300 (Zen 5, UseAVX=2). Where the rows split into 4 to 6 positions,
     * tiles of one row's consecutive positions (2 x 4, 2 x 5, 2 x 6) replace it ({@code Layer.rowTiles}).
     * At 512 bits a 1 x 12 tile, a load for every fma, ran slower than 8x3 there (184-275 us against
     * 157-233), so none is used.
     */
    private static final int[][] LANE_TILES = WIDE ? new int[0][] : new int[][] {{2, 6}};
    /**
     * The forward tiles with images in the lanes, output channels x positions of a row (each position
     * one vector of L images): at 512 bits only, where the grid tiles' dropped columns cost most (LeNet
     * conv2 forward computes 144 grid positions for 100). 4 x 5 covers its 16 channels and 10-wide rows
     * exactly. Not tried at 256 bits, where the channel-lane tile already computes only valid positions.
     */
    private static final int[][] BATCH_TILES = WIDE ? new int[][] {{4, 5}, {6, 4}, {8, 3}} : new int[0][];
    /**
     * The cost of moving one element into or out of the interleaved layout (a share of a gather or a
     * scatter), in units of one vector fma of the tiles. Measured on Zen 5 (LeNet conv2 forward, batch
     * 64, perf): the gathers and scatters took about 28% of the time, the tiles' 960K vector fmas 40%,
     * for 178K elements moved: about 2 fmas an element. With it, LeNet's conv2 forward takes the lanes
     * (1.32M against the grid's 1.38M; measured 150-160 against 180-200 us, alternating), its data
     * gradient keeps the grid (2.51M against 2.46M; measured even, 210-250 us either way), conv1's
     * forward keeps the grid (0.54M against 1.17M), conv1's data gradient into one channel takes the
     * lanes (2.7M against 3.2M; measured 316-360 against 341-392 us).
     */
    private static final int MOVE_COST = 2;
    /**
     * Output channels per weight-gradient tile: 2 x 5 taps, 10 accumulators and 7 loads a step. At
     * 4 x 5 (20 accumulators, for 32 registers) C2 (JDK 17) stopped intrinsifying the tile's loads and
     * stores and it ran about 40x slower.
     */
    private static final int RW = 2;
    /** Kernel columns per weight-gradient tile. */
    private static final int TW = 5;
    /**
     * Up to this many multiply-adds per output element ({@code inChannels * kh * kw}); above it the
     * im2col GEMM's larger register tiles and cache blocking win.
     */
    static final int MAX_TAPS = 1024;

    private DirectConv() {
    }

    /**
     * Whether the direct path computes this geometry: stride 1, padding below the kernel size (so the
     * data gradient is a convolution with non-negative padding), a kernel other than 1x1 (which
     * needs no columns anyway) and at most {@link #MAX_TAPS} taps. Depends on the geometry only.
     */
    static boolean applies(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.padH() < g.kernelH() && g.padW() < g.kernelW()
                && (g.kernelH() > 1 || g.kernelW() > 1)
                && g.inChannels() * g.kernelH() * g.kernelW() <= MAX_TAPS;
    }

    /**
     * Whether the channel-lane tiles may take whole output rows ({@code Layer.rowTiles}); tests turn it
     * off to compare both tilings bit for bit.
     */
    static boolean laneRows = true;

    /**
     * Chunks of 4 to 6 positions per output row of {@code width} for the channel-lane tiles over whole
     * rows ({@code Layer.rowTiles}), widths differing by at most one: the fewest chunks of at most 6;
     * 0 where those would be narrower than 4 (rows of 1 to 3 or 7).
     */
    static int rowChunks(int width) {
        int chunks = (width + 5) / 6;
        return chunks > 0 && width / chunks >= 4 ? chunks : 0;
    }

    /** {@code y = conv2d(x, w) + bias}; bias may be null. */
    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        forward(g, x, w, bias, y, null);
    }

    /**
     * {@link #forward(ConvGeometry, float[], float[], float[], float[])} with the batch-lane layout forced
     * on or off (null: chosen by cost); tests use it to compare the two layouts bit for bit.
     */
    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y, Boolean batchLanes) {
        Layer layer = forwardLayer(g, batchLanes);
        float[] packed = layer.packWeights(w, false);
        layer.run(g.batch(), x, packed, bias, y);
    }

    /**
     * Whether the forward (or, with {@code data}, the data gradient) of this geometry runs with images
     * in the lanes, chosen by cost when {@code force} is null. Tests use it to check the path taken.
     */
    static boolean batchLanes(ConvGeometry g, boolean data, Boolean force) {
        return (data ? dataLayer(g, force) : forwardLayer(g, force)).batchLanes;
    }

    /** The correlation the forward computes. */
    private static Layer forwardLayer(ConvGeometry g, Boolean batchLanes) {
        return new Layer(g.inChannels(), g.inH(), g.inW(), g.padH(), g.padW(), g.kernelH(), g.kernelW(),
                g.outChannels(), g.batch(), batchLanes);
    }

    /** The correlation the data gradient computes: dy padded by k - 1 - pad, into the input's channels. */
    private static Layer dataLayer(ConvGeometry g, Boolean batchLanes) {
        return new Layer(g.outChannels(), g.outH(), g.outW(), g.kernelH() - 1 - g.padH(), g.kernelW() - 1 - g.padW(),
                g.kernelH(), g.kernelW(), g.inChannels(), g.batch(), batchLanes);
    }

    /** {@code dx} = the gradient with respect to the input: dy correlated with the flipped kernel. */
    static void backwardData(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        backwardData(g, dy, w, dx, null);
    }

    /** {@link #backwardData(ConvGeometry, float[], float[], float[])} with the batch-lane layout forced (or null). */
    static void backwardData(ConvGeometry g, float[] dy, float[] w, float[] dx, Boolean batchLanes) {
        Layer layer = dataLayer(g, batchLanes);
        float[] packed = layer.packWeights(w, true);
        layer.run(g.batch(), dy, packed, null, dx);
    }

    /** {@code dw} = the gradient with respect to the weight, summed over the batch. */
    static void backwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        Layer layer = forwardLayer(g, false);
        int taps = layer.taps;
        int weightSize = g.outChannels() * taps;
        int slices = Math.min(g.batch(), Conv2d.WEIGHT_GROUPS);
        float[] partials = slices == 1 ? dw : Scratch.floats(Scratch.PARTIALS, slices * weightSize);
        Parallel.forRange(0, slices, 1, (s0, s1) -> {
            for (int s = s0; s < s1; s++) {
                int n0 = (int) ((long) g.batch() * s / slices);
                int n1 = (int) ((long) g.batch() * (s + 1) / slices);
                layer.weightSlice(x, dy, n0, n1, partials, s * weightSize);
            }
        });
        if (slices == 1) {
            return;
        }
        Conv2d.sumSlices(partials, slices, weightSize, dw);
    }

    /**
     * One stride-1 correlation: {@code inC} channels of {@code inH x inW} padded by (padH, padW),
     * a {@code kh x kw} kernel, {@code outC} output channels of {@code outH x outW}.
     */
    private static final class Layer {
        final int inC;
        final int inH;
        final int inW;
        final int padH;
        final int padW;
        final int kh;
        final int kw;
        final int outC;
        final int outH;
        final int outW;
        /** Padded width: the grid's row stride. */
        final int wp;
        /** Padded channel plane. */
        final int plane;
        /** Taps per output channel (inC * kh * kw). */
        final int taps;
        /** Whether the forward tiles hold output channels in the lanes ({@link #LANE_TILES}). */
        final boolean lanes;
        /** Whether the forward tiles hold images in the lanes ({@link #BATCH_TILES}). */
        final boolean batchLanes;
        /** Output channels per forward tile (a multiple of L with lanes). */
        final int mr;
        /** Vectors of positions per forward tile; positions per tile with lanes or batch lanes. */
        final int nv;
        /** Computed grid positions per output channel (outH rows of wp), rounded up to whole tiles. */
        final int positions;
        /** Floats of one padded image, with room for the last vector's overrun past the last plane. */
        final int paddedImage;

        /**
         * The layer's geometry and the forward tile it takes. {@code batchLanes} forces the batch-lane
         * layout on (where a tile exists) or off; null chooses by cost, which may depend on the thread
         * count (the layouts give the same bits).
         */
        Layer(int inC, int inH, int inW, int padH, int padW, int kh, int kw, int outC, int batch, Boolean batchLanes) {
            this.inC = inC;
            this.inH = inH;
            this.inW = inW;
            this.padH = padH;
            this.padW = padW;
            this.kh = kh;
            this.kw = kw;
            this.outC = outC;
            this.outH = inH + 2 * padH - kh + 1;
            this.outW = inW + 2 * padW - kw + 1;
            this.wp = inW + 2 * padW;
            this.plane = (inH + 2 * padH) * wp;
            this.taps = inC * kh * kw;
            int[] tile = TILES[0];
            long least = Long.MAX_VALUE;
            for (int[] t : TILES) {
                long cost = (long) roundUp(outC, t[0]) * roundUp(outH * wp, t[1] * L);
                if (cost < least) {
                    least = cost;
                    tile = t;
                }
            }
            boolean channelLanes = false;
            for (int[] t : LANE_TILES) {
                long cost = (long) roundUp(outC, t[0] * L) * roundUp(outH * outW, t[1]);
                if (cost < least) {
                    least = cost;
                    tile = new int[] {t[0] * L, t[1]};
                    channelLanes = true;
                }
            }
            // images in the lanes: rows of outW positions rounded up to the tile, channels to its rows,
            // the batch to whole vectors, plus the gather and scatter of every input and output element
            int groups = (batch + L - 1) / L;
            long moved = (long) batch * (inC * inH * inW + outC * outH * outW) * MOVE_COST;
            long gridCost = least / L * batch * taps;
            int[] batchTile = null;
            long batchLeast = Long.MAX_VALUE;
            for (int[] t : BATCH_TILES) {
                long cost = (long) groups * roundUp(outC, t[0]) * outH * roundUp(outW, t[1]) * taps + moved;
                if (cost < batchLeast) {
                    batchLeast = cost;
                    batchTile = t;
                }
            }
            int threads = Parallel.threads();
            // one image group per chunk of work: groups must share out evenly over the threads
            boolean balanced = groups >= threads && (groups % threads == 0 || groups >= 4 * threads);
            boolean useBatch = batchTile != null && !channelLanes
                    && (batchLanes != null ? batchLanes : balanced && batchLeast < gridCost);
            if (useBatch) {
                tile = batchTile;
            }
            this.batchLanes = useBatch;
            this.lanes = channelLanes;
            this.mr = tile[0];
            this.nv = tile[1];
            this.positions = roundUp(outH * wp, (lanes ? 1 : nv) * L);
            // the last position reads tap (inC - 1, kh - 1, kw - 1): (kh - 1) * wp + positions covers
            // the last plane, so past it only the rounding of positions and kw - 1 more
            this.paddedImage = (inC - 1) * plane + (kh - 1) * wp + kw + positions;
        }

        private static int roundUp(int n, int multiple) {
            return (n + multiple - 1) / multiple * multiple;
        }

        /**
         * Offset of each tap in a padded image, {@code c * plane + i * wp + j}, in the forward tiles' tap
         * order (i, c, j): kernel row first, so the taps of the kernel rows a tile reads are one range.
         */
        int[] offsets() {
            int[] off = Scratch.ints(Scratch.OFFSETS, taps);
            int p = 0;
            for (int i = 0; i < kh; i++) {
                for (int c = 0; c < inC; c++) {
                    for (int j = 0; j < kw; j++) {
                        off[p++] = c * plane + i * wp + j;
                    }
                }
            }
            return off;
        }

        /**
         * The weights as mr-channel slivers {@code packed[s * mr * taps + p * mr + r]} in tap order (i, c, j),
         * zero past outC. With {@code flipped}, the forward weight w (inC', outC', kh, kw) = (outC, inC, kh, kw)
         * of this layer's transpose is read flipped in space: the data gradient's kernel.
         */
        float[] packWeights(float[] w, boolean flipped) {
            int slivers = (outC + mr - 1) / mr;
            float[] packed = Scratch.floats(Scratch.WEIGHTS, slivers * mr * taps);
            Arrays.fill(packed, 0, slivers * mr * taps, 0f);
            int k2 = kh * kw;
            for (int o = 0; o < outC; o++) {
                int base = o / mr * mr * taps + o % mr;
                for (int i = 0; i < kh; i++) {
                    for (int c = 0; c < inC; c++) {
                        for (int j = 0; j < kw; j++) {
                            int t = i * kw + j;
                            float v = flipped ? w[(c * outC + o) * k2 + (k2 - 1 - t)] : w[(o * inC + c) * k2 + t];
                            packed[base + ((i * inC + c) * kw + j) * mr] = v;
                        }
                    }
                }
            }
            return packed;
        }

        /** Output positions of the lane tiles: tiles of {@code nv}, the last padded with the last position. */
        private int lanePositions() {
            return roundUp(outH * outW, nv);
        }

        /**
         * The taps a tile of output rows r0..r1 needs, {@code [from, to)} packed as
         * {@code from << 32 | to}: the kernel rows whose input rows meet the unpadded image for some row
         * of the tile. The others read only zero padding, whose products add nothing (the sums start
         * at +0), so leaving them out changes no bit.
         */
        long tapRange(int r0, int r1) {
            int iLo = Math.max(0, padH - r1);
            int iHi = Math.min(kh - 1, padH + inH - 1 - r0);
            int perRow = inC * kw;
            if (iHi < iLo) {
                return 0L;
            }
            return (long) (iLo * perRow) << 32 | (long) (iHi + 1) * perRow;
        }

        /** dst[n] = correlate(src[n]) (+ bias) for every image, images split over the threads. */
        void run(int batch, float[] src, float[] packed, float[] bias, float[] dst) {
            if (batchLanes) {
                runBatch(batch, src, packed, bias, dst);
                return;
            }
            if (lanes) {
                runLanes(batch, src, packed, bias, dst);
                return;
            }
            int[] off = offsets();
            int slivers = (outC + mr - 1) / mr;
            int tiles = positions / (nv * L);
            long[] ranges = new long[tiles];
            for (int t = 0; t < tiles; t++) {
                int q = t * nv * L;
                ranges[t] = tapRange(q / wp, Math.min(outH - 1, (q + nv * L - 1) / wp));
            }
            int inImage = inC * inH * inW;
            int outImage = outC * outH * outW;
            Parallel.forRange(0, batch, 1, (n0, n1) -> {
                float[] xp = Scratch.floats(Scratch.COLUMNS, paddedImage);
                float[] yp = Scratch.floats(Scratch.STAGING, slivers * mr * positions);
                // borders and the tail stay zero: every image writes the same interior
                Arrays.fill(xp, 0, paddedImage, 0f);
                for (int n = n0; n < n1; n++) {
                    pad(src, n * inImage, xp, 0);
                    for (int s = 0; s < slivers; s++) {
                        int yRow = s * mr * positions;
                        for (int t = 0; t < tiles; t++) {
                            int q = t * nv * L;
                            int from = (int) (ranges[t] >>> 32);
                            int to = (int) ranges[t];
                            forwardTile(packed, (s * taps + from) * mr, xp, q, off, from, to, yp, yRow + q, positions);
                        }
                    }
                    unpad(yp, bias, dst, n * outImage);
                }
            });
        }

        /**
         * {@link #run} with images in the lanes: groups of L images split over the threads; each group
         * gathered into one interleaved grid, then per output row tiles of mr channels x nv positions
         * into a row buffer {@code ys[o * ldy + ow * L + image]}, scattered into the images.
         */
        private void runBatch(int batch, float[] src, float[] packed, float[] bias, float[] dst) {
            int[] base = offsets();
            int[] off = new int[taps];
            for (int p = 0; p < taps; p++) {
                off[p] = base[p] * L;
            }
            long[] ranges = new long[outH];
            for (int r = 0; r < outH; r++) {
                ranges[r] = tapRange(r, r);
            }
            int inImage = inC * inH * inW;
            int outImage = outC * outH * outW;
            int groups = (batch + L - 1) / L;
            // index maps of a whole group, and of the last one, whose lanes past the batch point at its
            // first image: JDK 25 bounds-checks the lanes a mask leaves out too
            int last = batch - (groups - 1) * L;
            int[] gather = new int[2 * L];
            int[] scatter = new int[2 * L];
            for (int lane = 0; lane < L; lane++) {
                gather[lane] = lane * inImage;
                scatter[lane] = lane * outImage;
                gather[L + lane] = lane < last ? lane * inImage : 0;
                scatter[L + lane] = lane < last ? lane * outImage : 0;
            }
            int slivers = (outC + mr - 1) / mr;
            int ldy = roundUp(outW, nv) * L;
            // the last tile of the last row reads up to roundUp(outW, nv) - outW positions past the last plane
            int groupSize = (inC * plane + nv) * L;
            Parallel.forRange(0, groups, 1, (g0, g1) -> {
                float[] xg = Scratch.floats(Scratch.COLUMNS, groupSize);
                float[] ys = Scratch.floats(Scratch.STAGING, slivers * mr * ldy);
                Arrays.fill(xg, 0, groupSize, 0f);
                for (int g = g0; g < g1; g++) {
                    int images = Math.min(L, batch - g * L);
                    VectorMask<Float> valid = ConvTiles.S.indexInRange(0, images);
                    int map = images == L ? 0 : L;
                    interleave(src, g * L * inImage, gather, map, valid, xg);
                    for (int oh = 0; oh < outH; oh++) {
                        int from = (int) (ranges[oh] >>> 32);
                        int to = (int) ranges[oh];
                        for (int s = 0; s < slivers; s++) {
                            for (int ow = 0; ow < outW; ow += nv) {
                                forwardTile(packed, (s * taps + from) * mr, xg, (oh * wp + ow) * L, off, from, to,
                                        ys, s * mr * ldy + ow * L, ldy);
                            }
                        }
                        deinterleave(ys, ldy, bias, dst, g * L * outImage + oh * outW, scatter, map, valid);
                    }
                }
            });
        }

        /**
         * The images at {@code src[at + gather[map + lane]]} (lanes in {@code valid}; the others read as
         * zero) into the interior of the interleaved grid {@code xg[(c * plane + q) * L + lane]}, whose
         * borders stay zero.
         */
        private void interleave(float[] src, int at, int[] gather, int map, VectorMask<Float> valid, float[] xg) {
            boolean full = valid.allTrue();
            for (int c = 0; c < inC; c++) {
                for (int i = 0; i < inH; i++) {
                    int from = at + (c * inH + i) * inW;
                    int to = (c * plane + (i + padH) * wp + padW) * L;
                    for (int j = 0; j < inW; j++, to += L) {
                        FloatVector v = full ? FloatVector.fromArray(ConvTiles.S, src, from + j, gather, map)
                                : FloatVector.fromArray(ConvTiles.S, src, from + j, gather, map, valid);
                        v.intoArray(xg, to);
                    }
                }
            }
        }

        /** One output row of the group's images from {@code ys[o * ldy + ow * L + lane]}, plus the bias. */
        private void deinterleave(float[] ys, int ldy, float[] bias, float[] dst, int at, int[] scatter, int map,
                                  VectorMask<Float> valid) {
            boolean full = valid.allTrue();
            for (int o = 0; o < outC; o++) {
                int out = at + o * outH * outW;
                for (int ow = 0; ow < outW; ow++) {
                    FloatVector v = FloatVector.fromArray(ConvTiles.S, ys, o * ldy + ow * L);
                    if (bias != null) {
                        v = v.add(bias[o]);
                    }
                    if (full) {
                        v.intoArray(dst, out + ow, scatter, map);
                    } else {
                        v.intoArray(dst, out + ow, scatter, map, valid);
                    }
                }
            }
        }

        /**
         * {@link #run} with the lane tiles: channel blocks of mr x tiles of nv valid positions, or, where
         * each output row splits into {@link DirectConv#rowChunks} of 4 to 6 positions, tiles of one row's
         * consecutive positions ({@link #rowTiles}).
         */
        private void runLanes(int batch, float[] src, float[] packed, float[] bias, float[] dst) {
            int[] off = offsets();
            int valid = outH * outW;
            int chunks = laneRows ? rowChunks(outW) : 0;
            int count = chunks > 0 ? valid : lanePositions();
            int tiles = chunks > 0 ? 0 : count / nv;
            int[] pos = new int[tiles * nv];
            for (int u = 0; u < pos.length; u++) {
                int v = Math.min(u, valid - 1);
                pos[u] = v / outW * wp + v % outW;
            }
            long[] ranges = new long[tiles];
            for (int t = 0; t < tiles; t++) {
                ranges[t] = tapRange(pos[t * nv] / wp, pos[t * nv + nv - 1] / wp);
            }
            int blocks = (outC + mr - 1) / mr;
            int inImage = inC * inH * inW;
            Parallel.forRange(0, batch, 1, (n0, n1) -> {
                float[] xp = Scratch.floats(Scratch.COLUMNS, paddedImage);
                float[] ys = Scratch.floats(Scratch.STAGING, blocks * count * mr);
                Arrays.fill(xp, 0, paddedImage, 0f);
                for (int n = n0; n < n1; n++) {
                    pad(src, n * inImage, xp, 0);
                    for (int b = 0; b < blocks; b++) {
                        if (chunks > 0) {
                            rowTiles(b, chunks, packed, xp, off, ys);
                        }
                        for (int t = 0; t < tiles; t++) {
                            int from = (int) (ranges[t] >>> 32);
                            int to = (int) ranges[t];
                            int yAt = (b * count + t * nv) * mr;
                            ConvTiles.fwdc2x6(packed, (b * taps + from) * mr, xp, off, from, to, pos, t * nv, ys, yAt);
                        }
                    }
                    unpadLanes(ys, count, bias, dst, n * outC * valid);
                }
            });
        }

        /**
         * Channel block b of one image with the lane tiles over consecutive positions of one output row
         * ({@code ConvTiles.fwdc2x*r}), each row in {@code chunks} chunks of 4 to 6 positions, widths
         * differing by at most one. A tile's inputs for one tap are then one index plus constants, where
         * the tile over any 6 valid positions ({@code fwdc2x6}) pays a bounds check and an add for each:
         * measured on Zen 3 (two threads, two JVMs alternated, LeNet conv2 forward, 10-wide rows as 5 + 5,
         * 16 rounds each way) 0.78x and 0.80x the time (584 -> 436 us, 786 -> 593 us in a slower phase).
         * Each element is the same fma chain in tap order (a tile of one row leaves out only kernel rows
         * that read zero padding for that row), so the bits are the same.
         */
        private void rowTiles(int b, int chunks, float[] packed, float[] xp, int[] off, float[] ys) {
            int valid = outH * outW;
            for (int r = 0; r < outH; r++) {
                long range = tapRange(r, r);
                int from = (int) (range >>> 32);
                int to = (int) range;
                int wi = (b * taps + from) * mr;
                for (int c = 0, col = 0; c < chunks; c++) {
                    int width = outW / chunks + (c < outW % chunks ? 1 : 0);
                    int q = r * wp + col;
                    int yAt = (b * valid + r * outW + col) * mr;
                    switch (width) {
                        case 6 -> ConvTiles.fwdc2x6r(packed, wi, xp, off, from, to, q, ys, yAt);
                        case 5 -> ConvTiles.fwdc2x5r(packed, wi, xp, off, from, to, q, ys, yAt);
                        default -> ConvTiles.fwdc2x4r(packed, wi, xp, off, from, to, q, ys, yAt);
                    }
                    col += width;
                }
            }
        }

        /** The lane tiles' output {@code ys[(o / mr * count + u) * mr + o % mr]}, plus the bias, into one image. */
        private void unpadLanes(float[] ys, int count, float[] bias, float[] dst, int at) {
            int valid = outH * outW;
            for (int o = 0; o < outC; o++) {
                float b = bias == null ? 0f : bias[o];
                int src = o / mr * count * mr + o % mr;
                int out = at + o * valid;
                for (int u = 0; u < valid; u++, src += mr) {
                    dst[out + u] = ys[src] + b;
                }
            }
        }

        /** One tile of mr channels x nv vectors of positions over taps [from, to), rows of y ldy apart. */
        private void forwardTile(float[] w, int wi, float[] xp, int q, int[] off, int from, int to, float[] yp,
                                 int yAt, int ldy) {
            switch (mr * 8 + nv) {
                case 8 * 8 + 3 -> ConvTiles.fwd8x3(w, wi, xp, q, off, from, to, yp, yAt, ldy);
                case 6 * 8 + 4 -> ConvTiles.fwd6x4(w, wi, xp, q, off, from, to, yp, yAt, ldy);
                case 4 * 8 + 5 -> ConvTiles.fwd4x5(w, wi, xp, q, off, from, to, yp, yAt, ldy);
                default -> ConvTiles.fwd6x2(w, wi, xp, q, off, from, to, yp, yAt, ldy);
            }
        }

        /** Copies one image's channels into the interior of the zero-bordered grid at {@code xp[at]}. */
        void pad(float[] src, int srcAt, float[] xp, int at) {
            for (int c = 0; c < inC; c++) {
                for (int i = 0; i < inH; i++) {
                    System.arraycopy(src, srcAt + (c * inH + i) * inW, xp, at + c * plane + (i + padH) * wp + padW, inW);
                }
            }
        }

        /** The valid columns of the computed grid, plus the bias, into one output image. */
        private void unpad(float[] yp, float[] bias, float[] dst, int at) {
            for (int o = 0; o < outC; o++) {
                float b = bias == null ? 0f : bias[o];
                int src = o * positions;
                int out = at + o * outH * outW;
                for (int i = 0; i < outH; i++, src += wp, out += outW) {
                    if (bias == null) {
                        System.arraycopy(yp, src, dst, out, outW);
                    } else {
                        for (int j = 0; j < outW; j++) {
                            dst[out + j] = yp[src + j] + b;
                        }
                    }
                }
            }
        }

        /**
         * {@code out[at + o * taps + tap] = sum over images [n0, n1) and positions of dy * x}: the
         * weight gradient of one batch slice. x and dy are laid out on the grid first (dy zero on the
         * dropped columns and past the last row).
         */
        void weightSlice(float[] x, float[] dy, int n0, int n1, float[] out, int at) {
            int images = n1 - n0;
            int dyImage = outC * positions;
            float[] xp = Scratch.floats(Scratch.COLUMNS, images * paddedImage);
            float[] dyp = Scratch.floats(Scratch.STAGING, images * dyImage);
            Arrays.fill(xp, 0, images * paddedImage, 0f);
            Arrays.fill(dyp, 0, images * dyImage, 0f);
            int inImage = inC * inH * inW;
            int outImage = outC * outH * outW;
            for (int n = 0; n < images; n++) {
                pad(x, (n0 + n) * inImage, xp, n * paddedImage);
                for (int o = 0; o < outC; o++) {
                    for (int i = 0; i < outH; i++) {
                        System.arraycopy(dy, (n0 + n) * outImage + (o * outH + i) * outW, dyp,
                                n * dyImage + o * positions + i * wp, outW);
                    }
                }
            }
            for (int o = 0; o < outC; o += RW) {
                int rows = Math.min(RW, outC - o);
                for (int c = 0; c < inC; c++) {
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j += TW) {
                            int cols = Math.min(TW, kw - j);
                            int tap = (c * kh + i) * kw + j;
                            weightTile(rows, cols, dyp, o * positions, dyImage, xp, c * plane + i * wp + j, images,
                                    out, at + o * taps + tap);
                        }
                    }
                }
            }
        }

        private void weightTile(int rows, int cols, float[] dyp, int dyAt, int dyImage, float[] xp, int xAt,
                                int images, float[] out, int outAt) {
            float[] acc = Scratch.floats(Scratch.ACCUMULATOR, RW * TW * L);
            // RW channels at a time, then one; every image's positions in one pass of registers
            for (int r = 0; r < rows; ) {
                int take = Math.min(RW, rows - r);
                weightLanes(take, cols, dyp, dyAt + r * positions, dyImage, xp, xAt, images, acc);
                reduce(acc, take, cols, out, outAt + r * taps);
                r += take;
            }
        }

        /** {@code out[outAt + r * taps + t]} = the sum of the lanes of accumulator (r, t). */
        private void reduce(float[] acc, int rows, int cols, float[] out, int outAt) {
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < cols; t++) {
                    out[outAt + r * taps + t] = ConvTiles.sumLanes(acc, (r * cols + t) * L);
                }
            }
        }

        /** The lanes of a tile (rows x cols weights) summed over the images into {@code acc[0 ..]}. */
        private void weightLanes(int rows, int cols, float[] dyp, int dyAt, int dyImage, float[] xp, int xAt,
                                 int images, float[] acc) {
            int len = positions;
            int dyRow = positions;
            int xImage = paddedImage;
            switch (rows * 8 + cols) {
                case 2 * 8 + 5 -> ConvTiles.dw2x5(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 2 * 8 + 4 -> ConvTiles.dw2x4(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 2 * 8 + 3 -> ConvTiles.dw2x3(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 2 * 8 + 2 -> ConvTiles.dw2x2(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 2 * 8 + 1 -> ConvTiles.dw2x1(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 1 * 8 + 5 -> ConvTiles.dw1x5(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 1 * 8 + 4 -> ConvTiles.dw1x4(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 1 * 8 + 3 -> ConvTiles.dw1x3(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                case 1 * 8 + 2 -> ConvTiles.dw1x2(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
                default -> ConvTiles.dw1x1(dyp, dyAt, dyRow, dyImage, xp, xAt, xImage, images, len, acc);
            }
        }
    }
}

package dev.flint.cpu.gemm;

import dev.flint.cpu.parallel.Parallel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API GEMM kernel, loaded only through {@link VectorSupport} once it has seen
 * {@code jdk.incubator.vector} in the boot layer. It follows the BLIS/GotoBLAS layout: B is packed
 * into a kc x nc panel of NR-column slivers, A into an mc x kc block of MR-row slivers, and a
 * register-blocked micro-kernel ({@link VectorTiles}) keeps an MR x NR tile of C in FloatVector
 * accumulators for the whole kc loop, so each fma costs at most one broadcast of an A value and a
 * share of the NR / L loads of packed B.
 *
 * <p>The tile is chosen per vector width and register count: 8 x 3 vectors (24 accumulators) where
 * vectors are 512 bits (32 registers), 6 x 2 vectors (12 accumulators) on 256-bit machines (16
 * registers), so that neither spills on JDK 17; both run at the fma peak on Zen 5 when the data is in
 * L1 (about 220 and 110 GFLOP/s per core). On JDK 25 the 256-bit tile is 5 x 2 ({@link #FIVE_ROWS}).
 * Loop order: an A sliver (MR x kc) stays in L1 while the B
 * slivers of the panel stream by.
 *
 * <p>Packing is a copy, and where the source is stored the other way round a transpose (on Zen 5, a
 * panel of W alone: 0.54 ns an element four rows at a time in scalar code, 0.35-0.43 in 16 x 16
 * register blocks at 512 bits, 0.20 in 8 x 8 blocks at 256; {@link #transposeRows}), so it is
 * skipped where it cannot pay for itself:
 * <ul>
 *   <li>A transposed (op(A)'s column p holds a tile's rows side by side) is read in place, except at
 *       256 bits for C at least 384 columns wide, where it is copied for the lean tile
 *       ({@link #packsTransposedA});</li>
 *   <li>with 512-bit tiles, a row-major A is read in place when the panel is narrow (its packing
 *       would serve few B slivers);</li>
 *   <li>a product with B transposed ({@code x W^T} of a linear layer) is split between threads by
 *       columns, so that each thread transposes only the rows of W for its own columns
 *       ({@link #splitsColumns}; at 512 bits W's slivers dealt as the threads come,
 *       {@link #dealtColumns}); with
 *       512-bit tiles, where x has fewer rows than each thread's share of W, it is computed as its
 *       transpose {@code C^T = W x^T} instead, so that the smaller operand is the one transposed
 *       (128 x 512 x 784 on two threads: 100K elements a thread instead of 200K; {@link #swapsOperands});</li>
 *   <li>B is read in place when a thread has only a few rows of C, or up to 128 and B is small
 *       ({@link #DIRECT_B_SMALL_ROWS}).</li>
 * </ul>
 *
 * <p>Per C element the arithmetic is a chain of fmas in k order, then one alpha/beta update per kc
 * block, whatever the tile, the way A or B is read or the side it sits on; so the result depends
 * neither on how C was split between threads nor on these choices. A large product split by rows
 * takes its rows in blocks as each thread comes for more ({@link #sharedRows}), not in fixed halves.
 *
 * <p>Where that update would change nothing (one kc block, alpha 1, beta 0), tiles are stored straight
 * into C, and so are the edges: a ragged last sliver of rows or columns is shifted back to a whole
 * one that recomputes a few elements with the same bits ({@link #shiftedEdges}; at 512 bits a last
 * sliver of columns no wider than one vector is a one-vector sliver, {@link #edgeWidth}; at 256 bits a last
 * 1 to 3 rows are 3 rows of a 3 x 4 tile, {@link #threeRowEdge}), and a narrow C whose
 * rows are back to back takes whole vectors per row that spill onto rows stored later
 * ({@link #overlapsRows}). Elsewhere a tile goes through a buffer and {@link #update}.
 */
final class VectorKernel implements Kernel {

    private static final VectorSpecies<Float> S = VectorTiles.S;
    private static final int L = VectorTiles.L;
    /** 512-bit vectors: 32 registers, so the larger tile. */
    private static final boolean WIDE = L >= 16;
    /**
     * At 256 bits, the 5 x 2 tile instead of 6 x 2: on JDK 25 C2 keeps two of the 6 x 2 tile's twelve
     * accumulators on the stack (it loads several broadcasts ahead and runs out of the sixteen ymm
     * registers), and GEMM 1024 ran at half speed (Zen 5 at -XX:UseAVX=2: 81-90 GFLOP/s on JDK 25,
     * 170-182 on JDK 17 for the same code); 5 x 2 keeps ten accumulators and ran 133-136 there,
     * but 124-140 on JDK 17, where 6 x 2 is kept. JDK 18-24 were not measured and keep 6 x 2. The
     * system property {@code flint.cpu.gemm.fiveRowTile} (true or false) overrides the choice
     * (tests run both tiles on JDK 17).
     */
    static final boolean FIVE_ROWS = !WIDE && fiveRowTile();
    /** Rows of the register tile. */
    static final int MR = WIDE ? 8 : FIVE_ROWS ? 5 : 6;
    /**
     * The step of a packed A sliver: MR floats, except for the 6-row tile, whose slivers are padded to
     * {@link VectorTiles#A_STRIDE} so that {@link VectorTiles#s6x2} can read them with a lean loop.
     */
    static final int AS = WIDE || FIVE_ROWS ? MR : VectorTiles.A_STRIDE;
    /** Whether a block's last 1 to 3 rows take the 3 x 4 tile ({@link #threeRowEdge}). */
    static final boolean THREE_ROW_EDGES = !WIDE && !FIVE_ROWS;
    /** Vectors across the register tile. */
    private static final int NV = WIDE ? 3 : 2;
    /** Columns of the register tile. */
    static final int NR = NV * L;
    /**
     * Depth of a packed block: an A sliver (8 x 1024 floats, 32 KiB) stays in L1, and C is read and
     * written once per 1024 steps of k. Measured on Zen 5: 512 beat 256 by about 8%; 1024 against 512,
     * interleaved in one JVM (two threads, medians): at 512 bits GEMM 1024 6907 -> 6631 us, GEMM 2048
     * 51.0 -> 49.3 ms, NT:128x512x784 435 -> 406 us; at 256 bits 12.78 -> 12.29 ms, 98.7 -> 96.3 ms and
     * 729 -> 691 us. The depth is part of every result's bits for k above it (each block starts a new
     * fma chain), the same on every path and thread count.
     */
    static final int KC = 1024;
    /**
     * Rows of a packed A block, whole tile slivers: 96 x 1024 floats (384 KiB, in L2) for the 8- and
     * 6-row tiles, 95 for the 5-row one.
     */
    static final int MC = 96 / MR * MR;
    /**
     * Up to this many rows of C, a product with B transposed is done as dot products of rows of A
     * and rows of B (both contiguous along k): packing B would transpose all of it, which costs
     * more than the few rows of work it serves (1 x 128 x 784: 70 us packed, 8 us dotted; the two
     * break even near 8 rows).
     */
    static final int DOT_ROWS = 8;
    /**
     * Up to this many columns of C (a classifier head: 128 x 10, k = 256), a product goes to
     * {@link #narrow}: op(B) packed into one 16-wide panel (one vector at 512 bits, two at 256) and
     * tiles of that width, A read in place. The full-width path would pad each sliver with 38 zero
     * columns at 512 bits; dot products, used here before, paid a lane reduction per element (Zen 5,
     * 64 x 10 x 84 with B transposed: 6.5-7.1 us dotted, 2.6 us narrow, PyTorch 1.7; its 8 x 1 tile
     * reading rows of A in place pays a broadcast and a bounds check per fma).
     */
    static final int NARROW = 16;
    /**
     * At 512 bits, C with more rows than one tile and at most this many (a 10-class head's weight
     * gradient, 10 x 256 x 128 with A transposed) goes to {@link #shortRows}: a 10 x 2-vector tile
     * instead of an 8-row tile and a second one that is three quarters zero padding.
     */
    static final int SHORT = 10;
    /** Columns of the short path's tile (two vectors). */
    private static final int SHORT_NR = 2 * L;
    /** From this many columns of C, a transposed A is packed at 256 bits ({@link #packsTransposedA}). */
    static final int PACK_TRANSPOSED_A_COLUMNS = 384;
    /**
     * Up to this many rows of C, full B slivers are read in place instead of packed: four 8-row slivers
     * at 512 bits, six 6-row ones at 256. At 256 bits a 64-row C split between two threads is 30 and 34
     * rows (whole 6-row slivers), and with 32 here the thread with 34 packed all of B while the other
     * read it in place, finishing first and waiting. Measured on Zen 5 at -XX:UseAVX=2 (two threads,
     * alternating JVMs, three pairs, median us): 36 against 32, NN:64x400x120 30.8-31.2 -> 27.1-28.0,
     * NN:64x120x84 7.82-7.85 -> 6.82-7.03; 48 gained no more (27.9-30.6, 6.73-7.05), and 24, both halves
     * packed, was even with 32 (31.4-32.5).
     */
    static final int DIRECT_B_ROWS = WIDE ? 32 : 36;
    /**
     * Up to this many rows of C, B is read in place too where its block (k x the block's columns) is
     * at most {@link #DIRECT_B_FLOATS}: packing it copied all of B for a few row slivers, while B that
     * small stays in cache read in place. Measured on Zen 5 (two threads where the call is split, the two
     * ways interleaved in one JVM, medians): at 512 bits NN:128x256x10 6.95 -> 6.55 us, NN:64x84x10 1.31
     * -> 1.22, TN:84x120x64 6.63 -> 6.15, TN:120x400x64 21.9 -> 19.6, NN:256x256x256 111 -> 107,
     * NN:200x300x100 38.0 -> 35.5; with more rows it lost (NN:512x256x64 47.6 -> 50.5 with 256 rows a
     * thread, NN:1024x128x128 94.6 -> 99.0). At 256 bits packing B also buys the lean tile
     * ({@link VectorTiles#s6x2}), so only blocks that fit L1 qualify: NN:128x256x10 10.5 -> 10.2,
     * NN:64x84x10 1.93 -> 1.79, TN:84x120x64 10.2 -> 9.6, NN:128x512x16 13.1 -> 12.3; larger blocks lost
     * in the VM's slow periods (NN:200x300x100 83.6 -> 94.8, GEMM 256 211 -> 216).
     */
    static final int DIRECT_B_SMALL_ROWS = 128;
    /** See {@link #DIRECT_B_SMALL_ROWS}: 256 KiB at 512 bits, 32 KiB (L1) at 256. */
    static final int DIRECT_B_FLOATS = WIDE ? 1 << 16 : 1 << 13;
    /**
     * With 512-bit tiles, a row-major A is read in place for column blocks narrower than this: its
     * packing (a transpose) would serve fewer than about ten B slivers, while reading rows in place
     * costs the tile only a few percent (measured on Zen 5: 8 x 3 at 200-215 GFLOP/s against 220).
     */
    static final int ROWS_IN_PLACE_BELOW = 512;
    /**
     * Columns of a packed B panel: whole slivers covering 2048 columns (4 MiB, streamed from L3). A
     * is packed again for every panel, so C up to 2048 wide packs it once per k block. Measured on
     * Zen 5 against 32 slivers (1536 columns at 512 bits, 512 at 256), GEMM 2048 at 512 bits
     * 311-325 -> 327-337 GFLOP/s, GEMM 1024 at 256 bits 163-171 -> 171-176 (alternating runs).
     */
    static final int NC = (2048 + NR - 1) / NR * NR;
    /**
     * Multiply-adds per thread from which a row split deals rows as they come ({@link #sharedRows}):
     * each claim of a block is a write to a line both cores share, which smaller products did not win
     * back where the cores ran at one speed (Zen 5, 512 bits, two threads, interleaved in one JVM:
     * TN:120x400x64 +14%, NN:64x400x120 +7%, TN:512x784x128 +5%; GEMM 1024 -2%, 300x400x700 -3%).
     * At 256 bits from 2^22: on Zen 3 (two vCPUs whose speed each dropped by up to a third for a second
     * at a time, a C fma loop pinned to each) the fixed halves of middle-sized products waited for the
     * slower one and packed all of B twice. Measured there with two JVMs alive and their samples
     * alternated (two threads, 14 rounds, median of the per-round ratios): GEMM 256 0.88x, TN:512x784x128
     * 0.89x, TN:256x512x128 0.95x, the MLP step 0.96x (10 rounds); from 2^20, NN:64x400x120 was even
     * (0.99x), so the smallest products keep their halves.
     */
    static final long SHARED_ROWS_MIN_WORK = WIDE ? 1L << 25 : 1L << 22;
    /** Rows from which a one-block product takes {@link #byColumnSlivers}: two A blocks of the general path. */
    static final int COLUMN_ORDER_ROWS = 2 * MC;
    /** Rows of A that {@link #byColumnSlivers} packs at once: 1024 x 512 floats, 2 MiB. */
    static final int CHUNK_ROWS = 1024;
    /** The deepest product {@link #byColumnSlivers} takes: the depth it was measured at (the KC of then). */
    static final int COLUMN_ORDER_MAX_K = 512;

    /**
     * Per thread: [0] the packed A block, [1] the packed B panel, grown on demand and never shrunk;
     * [2] one MR x NR tile on its way to C; [3] the B panels a split call shares between its threads
     * ({@link SharedPanels}), held by the thread that made the call.
     */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(
            () -> new float[][] {new float[0], new float[0], new float[MR * NR], new float[0]});

    private VectorKernel() {
    }

    private static boolean fiveRowTile() {
        String prop = System.getProperty("flint.cpu.gemm.fiveRowTile");
        if (prop == null) {
            return Runtime.version().feature() >= 25;
        }
        if (!prop.equals("true") && !prop.equals("false")) {
            throw new IllegalArgumentException("flint.cpu.gemm.fiveRowTile must be true or false, got '" + prop + "'");
        }
        return Boolean.parseBoolean(prop);
    }

    /**
     * The kernel, or null when the preferred species is narrower than 256 bits (128-bit vectors
     * gain too little over C2's own vectorization to be worth a second code path).
     */
    static Kernel createIfWide() {
        return S.vectorBitSize() >= 256 ? new VectorKernel() : null;
    }

    /** The width of the preferred species, for the log line. */
    static int bits() {
        return S.vectorBitSize();
    }

    @Override
    public int columnAlign() {
        return NR;
    }

    /**
     * One vector, not a whole sliver: the edge sliver of a block gets a narrower tile whose
     * elements round the same way, and finer units split C evenly between threads (n = 512 is 10.7
     * slivers, a 6 : 5 split, but 32 vectors, 16 : 16).
     */
    @Override
    public int columnSplitAlign() {
        return L;
    }

    @Override
    public int rowAlign() {
        return MR;
    }

    /**
     * When B is not transposed: each thread packs (or reads) only its own rows of A and all of B.
     * Except with the 6 x 2 tile (256 bits) for a row-major A and C wider than tall, where a thread's
     * share of rows would pack B rather than read it in place ({@link #directB}): by columns each thread
     * packs all of A, m x k, and its own columns of B, which copies less than all of B, k x n, and its
     * rows of A; and each thread takes all of C's rows, whose last 1 to 3 take the 3 x 4 tile, where a
     * split by rows gives one half a whole 6-row tile more (128 rows: 66 and 62, 11 tiles against 10 and
     * a 3-row one). Measured on Zen 5 at -XX:UseAVX=2, two threads, alternating JVMs, median us:
     * NN:128x512x256 153-164 -> 148-152 and, the order reversed, 157-168 -> 153-163; TN:120x400x64 and
     * TN:256x512x128 (A transposed) were even, GEMM 256 (m = n) 2% slower by columns.
     */
    @Override
    public boolean prefersRowSplit(GemmArgs g, int threads) {
        if (g.transB()) {
            return false;
        }
        if (THREE_ROW_EDGES && !g.transA() && g.m() < g.n()) {
            int share = roundUp((g.m() + threads - 1) / threads, MR);
            return directB(g, share, g.n());
        }
        return true;
    }

    /**
     * {@code x W^T} ({@code C = A B^T}, both stored row-major): every way of computing it transposes
     * one operand into panels, and a split by rows would make every thread transpose all of B. By
     * columns, each thread transposes only its own rows of B; at 512 bits it reads the rows of A in
     * place, and at 256 bits it packs all of A, which copies less than a row split when A has fewer
     * rows than B. Measured on Zen 5 (2 threads, 512 bits, single JVMs alternated, us): NT:64x84x120
     * 14.6-14.9 -> 9.3-9.8, NT:64x120x400 41.7-42.4 -> 36.1-36.3, NT:128x256x512 136-143 -> 121-123
     * (the last two were computed swapped before, see {@link #swapsOperands}).
     */
    @Override
    public boolean splitsColumns(GemmArgs g, int threads) {
        return g.transB() && !g.transA() && !g.transC() && (WIDE || g.m() < g.n())
                && g.n() >= threads * L;
    }

    /**
     * With 512-bit tiles, a column split of {@code x W^T} deals W's slivers (NR columns of C each, W's
     * rows transposed by whichever thread takes them) in order, as the threads come for more, where
     * there are at least three a thread. Fixed halves waited for the slower vCPU and made each half's
     * ragged last sliver recompute columns. Interleaved in one JVM on Zen 5 (two threads; sets of 21-41
     * rounds in quiet and noisy periods): NT:128x256x512 0.954-0.959x (0.861x in a noisy period),
     * NT:256x512x512 0.888-1.047x, NT:1024x1024x1024 0.893-0.943x, NT:512x784x256 0.897-0.909x,
     * NT:128x256x784 0.858-0.993x; with a {@code nice}d busy loop on vCPU 0, NT:128x256x512 0.853x. The
     * MLP step that contains NT:128x256x512: 0.995-1.010x (even). Each thread's own half first (the
     * part of W it may have just written) ran NT:128x256x512 1.062x: not taken. Fewer slivers lose to
     * the last one (NT:64x120x400, three slivers: 1.28x) and keep the halves. Not at 256 bits, where
     * each call of {@link #compute} packs all of A.
     */
    @Override
    public int dealtColumns(GemmArgs g, int threads) {
        return WIDE && splitsColumns(g, threads) && (g.n() + NR - 1) / NR >= 3 * threads ? NR : 0;
    }

    /**
     * {@code x W^T} where x's rows are fewer than each thread's share of W's, on 512-bit tiles: as
     * {@code C^T = W x^T}, the larger operand is read in place by rows and only the smaller one is
     * transposed into panels (128 x 512 x 784 on two threads: each thread transposes x, 100K elements,
     * instead of its half of W, 200K; measured 7% faster). C^T's tiles are written into C transposed,
     * element by element, so where each thread's share of W is no larger than x, the column split of
     * {@link #splitsColumns} transposes as much and stores whole rows of C.
     * Not at 256 bits (measured on Zen 5, UseAVX=2, with a 6 x 2 tile reading rows of W in place): NT
     * 128x512x784 alone ran about 10% faster, but the MLP step that contains it 7-10% slower (2.45-2.55
     * against 2.27-2.38 ms; likely cause: each thread then reads all of W, just written by the optimizer); rows
     * of A in place without the swap were no faster than packing them. (C with few rows is not turned into
     * a narrow C^T: 10 x 256 x 128 with A transposed ran 8.2 us as it is and 11 us narrow, its 8 x 1
     * tiles paying a broadcast per fma.)
     */
    @Override
    public boolean swapsOperands(GemmArgs g, int threads) {
        return WIDE && g.transB() && !g.transA() && !g.transC() && (long) g.m() * threads < g.n()
                && g.m() > NARROW && g.n() > DOT_ROWS;
    }

    /** The short-rows tile ({@link #shortRows}): 512 bits, B not transposed, C one tile to SHORT rows high. */
    private static boolean shortRowsShape(GemmArgs g) {
        return WIDE && !g.transB() && g.m() > MR && g.m() <= SHORT;
    }

    /** Dot products (B transposed, few rows of C), decided on the whole call's shape. */
    private static boolean dotted(GemmArgs g) {
        return g.transB() && g.m() <= DOT_ROWS;
    }

    /**
     * 2^19 multiply-adds with 512-bit tiles, 2^18 with 256-bit ones, which take twice as long for the
     * same work. Measured on Zen 5 with the thresholds interleaved in one JVM (median us, two threads
     * available): at 256 bits NN:128x256x10 8.94 -> 5.72, NT:128x10x256 11.43 -> 6.81, TN:10x256x128
     * 7.76 -> 4.50 with a second thread; at 512 bits TN:10x256x128 lost with it (3.41 -> 3.94) and
     * NN:128x256x10 gained nothing, while the 645K-multiply-add products of the CNN head lose 30-60% on
     * one thread at either width (TN:84x120x64 6.32 -> 8.56 at 512 bits, 7.91 -> 14.05 at 256).
     */
    @Override
    public long parallelMinWork() {
        return WIDE ? 1L << 19 : 1L << 18;
    }

    /**
     * Multiply-adds each element of C counts for in {@link #work}, besides its k: a tile's set-up and
     * its stores, which a product with a small k does not hide behind its fmas.
     */
    static final int ELEMENT_WORK = 16;

    /**
     * {@code m n (k + ELEMENT_WORK)}: a C of many elements with a small k is worth a second thread
     * sooner than its multiply-adds say, a C of few elements is not. On Zen 4 (family 25, model 17),
     * whose cores run a 512-bit fma as two 256-bit halves, NN:128x256x10 (the 10-class head's input
     * gradient, 327,680 multiply-adds) took 0.90x and 0.92x the time on two threads (two JVMs alternated,
     * 30 and 16 rounds; the same jar against itself 1.02x); on Zen 5 it was even, while TN:10x256x128,
     * as many multiply-adds in 2,560 elements, lost there on two (3.41 -> 3.94 us) and stays on one
     * (with 16, 368,640; NT:128x10x256 348,160). Among the training steps' shapes only NN:128x256x10
     * changes; no shape at 256 bits, whose threshold is lower.
     */
    @Override
    public long work(int m, int n, int k) {
        return (long) m * n * (k + ELEMENT_WORK);
    }

    @Override
    public String name() {
        return "Vector API";
    }

    @Override
    public void compute(GemmArgs g, int i0, int i1, int j0, int j1) {
        // decided on the whole call's shape, never on the block, so every thread count takes the same path
        if (dotted(g)) {
            dotProducts(g, i0, i1, j0, j1);
            return;
        }
        if (g.n() <= NARROW) {
            narrow(g, i0, i1, j0, j1);
            return;
        }
        if (shortRowsShape(g)) {
            shortRows(g, i0, i1, j0, j1);
            return;
        }
        if (columnOrder(g, i0, i1, j0, j1)) {
            byColumnSlivers(g, i0, i1, j0, j1);
            return;
        }
        general(g, i0, i1, j0, j1, null, null);
    }

    /**
     * Where a row split would give {@link #compute}'s general path each thread's rows (rows = i0..i1 of
     * one share), the rows are dealt as they come instead ({@link RowClaims}): a thread on a slower
     * core (another process on it, the VM's neighbours) then takes fewer. The paths decided on a
     * block's size decide here on one share's, so each element's arithmetic is what the halves gave.
     */
    @Override
    public Parallel.RangeBody sharedRows(GemmArgs g, int threads) {
        int share = roundUp((g.m() + threads - 1) / threads, MR);
        // only where compute would take the general path for a share
        if (threads < 2 || (long) g.m() * g.n() * g.k() < threads * SHARED_ROWS_MIN_WORK || dotted(g)
                || g.n() <= NARROW || shortRowsShape(g) || columnOrder(g, 0, share, 0, g.n())) {
            return null;
        }
        int steps = ((g.n() + NC - 1) / NC) * ((g.k() + KC - 1) / KC);
        RowClaims claims = new RowClaims(g.m(), MR, MC, threads, steps);
        SharedPanels panels = null;
        if (sharesPanels(g, threads)) {
            int ncMax = roundUp(Math.min(NC, g.n()), NR);
            int kcMax = Math.min(KC, g.k());
            float[][] buffers = BUFFERS.get();
            grow(buffers, 3, steps * ncMax * kcMax, SharedPanels.MAX_STEPS * NC * KC);
            panels = new SharedPanels(buffers[3], steps, ncMax, kcMax, threads, claims);
        }
        SharedPanels shared = panels;
        return (from, to) -> {
            try {
                general(g, 0, share, 0, g.n(), claims, shared);
            } catch (Throwable t) {
                claims.fail();
                throw t;
            }
        };
    }

    /**
     * Whether a call that {@link #sharedRows} splits into this many threads packs B's panels once for
     * all of them ({@link SharedPanels}): where the general path packs both A and B for a share of the
     * rows, and the call has at most {@link SharedPanels#MAX_STEPS} panels.
     */
    static boolean sharesPanels(GemmArgs g, int threads) {
        int share = roundUp((g.m() + threads - 1) / threads, MR);
        int steps = ((g.n() + NC - 1) / NC) * ((g.k() + KC - 1) / KC);
        return threads > 1 && steps <= SharedPanels.MAX_STEPS && packsA(g, g.n()) && !directB(g, share, g.n());
    }

    /**
     * The general path: C's block i0..i1 x j0..j1 in B panels (NC columns x KC of k), each packed (or
     * read in place) once, and per panel A's rows in blocks of MC. Where claims is given, the row blocks
     * are claimed from it instead of walking i0..i1, whose size then only decides how A and B are read.
     *
     * <p>Where both A's block and B's panel are packed, each B sliver (KC x NR) serves every A sliver of
     * the block before the next is read: A's block stays in L2 and B's panel, which only L3 holds, is
     * read once per block of MC rows; otherwise every B sliver of the panel runs past one A sliver
     * before the next, B from L3 once per sliver of MR rows (0.25 bytes a flop at 8 rows: 60 GB/s for
     * each core at 240 GFLOP/s). Each tile is the same fma chain either way, so the bits are the same.
     * Measured on Zen 5 with two whole cores (a 512-bit FMA loop in C ran 258 GFLOP/s on each of two
     * threads at once), alternating JVMs, three 0.7 s samples each: GEMM 2048 at 512 bits 388-441 ->
     * 407-454 GFLOP/s (six pairs, five won), GEMM 1024 +3% (median of 11 pairs, -4% to +11%); at 256
     * bits 198-224 -> 211-225; the MLP step and its shapes even (NT:128x512x784, NT:128x256x512,
     * NN:128x512x256).
     */
    private static void general(GemmArgs g, int i0, int i1, int j0, int j1, RowClaims claims,
                                SharedPanels panels) {
        int k = g.k();
        // one depth for every path: each kc block starts a new fma chain, so the depth is part of
        // the result's bits
        int kcLimit = KC;
        int kcMax = Math.min(kcLimit, k);
        int ncMax = roundUp(Math.min(NC, j1 - j0), NR);
        int mcMax = roundUp(Math.min(MC, claims == null ? i1 - i0 : g.m()), MR);
        // With few rows each B value is used by one or two row slivers only, so copying B costs more
        // than it saves: full slivers are read in place (row stride ldb), only the ragged edge is packed.
        boolean directB = directB(g, i1 - i0, j1 - j0);
        boolean rowsInPlace = rowsInPlace(g, j1 - j0);
        boolean packA = packsA(g, j1 - j0);
        // B's panels packed once for all threads, a sliver at a time as the first one needs it
        boolean shared = panels != null && packA && !directB;
        float[][] buffers = BUFFERS.get();
        grow(buffers, 0, sliverAt(packA ? mcMax : MR, kcMax), sliverAt(MC, kcLimit));
        grow(buffers, 1, directB ? NR * kcMax : shared ? 0 : ncMax * kcMax, NC * kcLimit);
        float[] ap = buffers[0];
        float[] bp = buffers[1];
        float[] t = buffers[2];
        float[] a = g.a();
        float[] b = g.b();
        int lda = g.lda();
        int ldb = g.ldb();
        // The first k block with alpha 1 and beta 0: the update would store the tile unchanged, so a
        // whole tile goes straight into C (with k as short as 10, the trip through t cost as much as the
        // fmas); later blocks add to C through t. Interleaved in one JVM on Zen 5, doing so for the
        // first of several blocks too: NT:128x512x784 250.8 -> 261.4 GFLOP/s, 64x400x1100 211 -> 228,
        // GEMM 1024 +1% (512 bits); +0.3-3% at 256 bits.
        boolean straightFirst = g.alpha() == 1f && g.beta() == 0f && !g.transC();
        float[] c = g.c();
        int ldc = g.ldc();
        int step = -1;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int fullCols = nc / NR * NR;
            for (int pc = 0; pc < k; pc += kcLimit) {
                int kc = Math.min(kcLimit, k - pc);
                step++;
                if (claims != null && !claims.anyLeft(step)) {
                    continue;
                }
                boolean first = pc == 0;
                boolean straight = straightFirst && first;
                // Straight into C, a ragged last sliver becomes a whole one ending at the block's last
                // column: its first columns are computed again with the same bits and stored again, in
                // place of a zero-padded tile parked in t and copied (see shiftedEdges). Its width is
                // edgeWidth's: one vector where the remainder fits in one at 512 bits, else NR.
                int edgeWidth = edgeWidth(nc - fullCols);
                int edgeCol = shiftedEdges(straight, nc, fullCols) ? jc + nc - edgeWidth : -1;
                if (!directB && !shared) {
                    packPanel(g, bp, pc, kc, jc, nc, edgeCol, edgeWidth);
                } else if (directB && fullCols < nc && edgeCol < 0) {
                    packB(g, bp, 0, pc, kc, jc + fullCols, nc - fullCols);
                }
                int block = -1;
                for (int ic = i0; ; ic += MC) {
                    int mc;
                    if (claims == null) {
                        if (ic >= i1) {
                            break;
                        }
                        mc = Math.min(MC, i1 - ic);
                    } else {
                        block = claims.claim(step);
                        if (block < 0) {
                            break;
                        }
                        ic = claims.from(block);
                        mc = claims.to(block) - ic;
                        if (!claims.await(block, step)) {
                            return;
                        }
                    }
                    int fullRows = mc / MR * MR;
                    // a last 1 to 3 rows at 256 bits: the 3 x 4 tile from edge3Row (3 rows ending at the
                    // block's last where stored straight, else the rows themselves), B's slivers in pairs
                    int edge3Row = -1;
                    int edge3Rows = 0;
                    if (!shared && threeRowEdge(mc, fullRows)) {
                        edge3Rows = straight ? 3 : mc - fullRows;
                        edge3Row = ic + mc - edge3Rows;
                    }
                    // else the same as for columns for a ragged last sliver of rows: a whole one ending at
                    // the block's last row
                    int edgeRow = edge3Row < 0 && shiftedEdges(straight, mc, fullRows) ? ic + mc - MR : -1;
                    if (packA) {
                        if (edge3Row >= 0) {
                            packA(g, ap, 0, ic, fullRows, pc, kc);
                            packA(g, ap, sliverAt(fullRows, kc), edge3Row, edge3Rows, pc, kc);
                        } else if (edgeRow >= 0) {
                            packA(g, ap, 0, ic, fullRows, pc, kc);
                            packA(g, ap, sliverAt(fullRows, kc), edgeRow, MR, pc, kc);
                        } else {
                            packA(g, ap, 0, ic, mc, pc, kc);
                        }
                    }
                    if (packA && !directB) {
                        // both packed: B's slivers outside, A's inside (see the method's comment); with
                        // shared panels each thread starts its sweep at its own sliver, so the threads
                        // pack different slivers at once (the order of a block's tiles is not in the bits)
                        int start = shared ? panels.firstSliver(block, (nc + NR - 1) / NR) : 0;
                        if (!sweepSlivers(g, ap, ic, mc, edgeRow, edge3Row, edge3Rows, shared ? panels.buffer : bp,
                                shared ? panels.base(step) : 0, shared ? panels : null, step, start, pc, kc, jc, nc,
                                edgeCol, edgeWidth, straight, first, t)) {
                            return;
                        }
                        if (claims != null) {
                            claims.finish(block);
                        }
                        continue;
                    }
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        int row = ic + ir;
                        if (mr < MR && edgeRow >= 0) {
                            mr = MR;
                            row = edgeRow;
                        }
                        boolean three = mr < MR && edge3Row >= 0;
                        if (three) {
                            mr = edge3Rows;
                            row = edge3Row;
                        }
                        // how this sliver of A is read: packed (aStep AS), transposed A in place
                        // (aStep lda), or rows in place; a short edge sliver is always packed
                        float[] as = ap;
                        int ai = packA ? sliverAt(ir, kc) : 0;
                        int aStep = AS;
                        boolean rows = false;
                        if (!packA && mr < MR) {
                            packA(g, ap, 0, row, mr, pc, kc);
                        } else if (!packA && g.transA()) {
                            as = a;
                            ai = g.aOff() + pc * lda + row;
                            aStep = lda;
                        } else if (rowsInPlace) {
                            as = a;
                            ai = g.aOff() + row * lda + pc;
                            rows = true;
                        }
                        for (int jr = 0; jr < nc; jr += NR) {
                            if (three && jr + 2 * NR <= fullCols) {
                                // two whole slivers of B, both in place or both packed
                                float[] bs = directB ? b : bp;
                                int bi = directB ? g.bOff() + pc * ldb + jc + jr : jr * kc;
                                int bi2 = directB ? bi + NR : bi + NR * kc;
                                int bStep = directB ? ldb : NR;
                                if (straight) {
                                    VectorTiles.c3x4(as, ai, aStep, bs, bi, bi2, bStep, kc, c, g.cIndex(row, jc + jr),
                                            ldc);
                                } else {
                                    VectorTiles.c3x4(as, ai, aStep, bs, bi, bi2, bStep, kc, t, 0, 2 * NR);
                                    update(g, t, 2 * NR, row, mr, jc + jr, 2 * NR, first);
                                }
                                jr += NR;
                                continue;
                            }
                            int nr = Math.min(NR, nc - jr);
                            int col = jc + jr;
                            boolean oneVector = nr < NR && edgeWidth == L;
                            boolean shifted = nr < NR && edgeCol >= 0;
                            if (shifted) {
                                nr = edgeWidth;
                                col = edgeCol;
                            }
                            float[] bs = bp;
                            int bi = jr * kc;
                            int bStep = NR;
                            if (directB) {
                                if (nr == NR || shifted) {
                                    bs = b;
                                    bi = g.bOff() + pc * ldb + col;
                                    bStep = ldb;
                                } else {
                                    bi = 0;
                                }
                            }
                            // a narrow edge sliver is packed zero-padded to NR: the one tile covers it
                            if (oneVector) {
                                if (straight && mr == MR && nr == L) {
                                    tile1(as, ai, aStep, rows, lda, bs, bi, bStep, kc, c, g.cIndex(row, col), ldc);
                                } else {
                                    tile1(as, ai, aStep, rows, lda, bs, bi, bStep, kc, t, 0, NR);
                                    update(g, t, NR, row, mr, col, nr, first);
                                }
                            } else if (straight && mr == MR && nr == NR) {
                                tile(as, ai, aStep, rows, lda, bs, bi, bStep, kc, c, g.cIndex(row, col), ldc);
                            } else {
                                tile(as, ai, aStep, rows, lda, bs, bi, bStep, kc, t, 0, NR);
                                update(g, t, NR, row, mr, col, nr, first);
                            }
                        }
                    }
                    if (claims != null) {
                        claims.finish(block);
                    }
                }
            }
        }
    }

    /**
     * Whether a transposed A is packed (a copy: op(A)'s column p is a stored row) instead of read in
     * place: at 256 bits, for C at least {@link #PACK_TRANSPOSED_A_COLUMNS} wide, so that the lean tile
     * ({@link VectorTiles#s6x2}) reads it. Measured on Zen 5 at -XX:UseAVX=2 (two threads, the two ways
     * interleaved in one JVM, median ratio of rounds): TN:512x784x128 +2% (a tenth of the rounds +22%),
     * TN:120x400x64 +2%, TN:256x512x128 even; narrower C lost to the copy (TN:84x120x64 -7%,
     * TN:10x256x128 -9%).
     */
    private static boolean packsTransposedA(GemmArgs g) {
        return !WIDE && !FIVE_ROWS && g.n() >= PACK_TRANSPOSED_A_COLUMNS;
    }

    /**
     * Whether the general path reads B's full slivers in place for a block of this many rows and
     * columns: with few rows each B value serves one or two row slivers only, so copying B costs more
     * than it saves (see {@link #DIRECT_B_SMALL_ROWS}).
     */
    private static boolean directB(GemmArgs g, int rows, int cols) {
        return !g.transB() && (rows <= DIRECT_B_ROWS
                || rows <= DIRECT_B_SMALL_ROWS && (long) g.k() * cols <= DIRECT_B_FLOATS);
    }

    /** Whether the general path reads a row-major A's rows in place for a block this wide. */
    private static boolean rowsInPlace(GemmArgs g, int cols) {
        return WIDE && !g.transA() && cols < ROWS_IN_PLACE_BELOW;
    }

    /** Whether the general path packs A's blocks for a block of C this wide. */
    private static boolean packsA(GemmArgs g, int cols) {
        return !rowsInPlace(g, cols) && (!g.transA() || packsTransposedA(g));
    }

    /**
     * Whether a block takes {@link #byColumnSlivers}: k at most {@link #COLUMN_ORDER_MAX_K}, a row-major
     * A that would be packed (not read in place), B packed (not read in place), and at least
     * {@link #COLUMN_ORDER_ROWS} rows and four slivers of columns.
     */
    private static boolean columnOrder(GemmArgs g, int i0, int i1, int j0, int j1) {
        return g.k() <= COLUMN_ORDER_MAX_K && !g.transA() && !(WIDE && j1 - j0 < ROWS_IN_PLACE_BELOW)
                && !(!g.transB() && i1 - i0 <= DIRECT_B_ROWS) && i1 - i0 >= COLUMN_ORDER_ROWS && j1 - j0 >= 4 * NR;
    }

    /**
     * The general path's tiles in another order, for one k block and many rows: A's rows packed once
     * (up to {@link #CHUNK_ROWS} at a time), then per B panel each B sliver serves every A sliver of
     * the chunk before the next sliver is read, where the general path runs every B sliver of the panel
     * past one A sliver. Each tile is the same fma chain over the same block, so every element has the
     * same bits. Measured on Zen 5 (interleaved in one JVM), GEMM 512 with 512-bit tiles 309-323 ->
     * 347-351 GFLOP/s, with 256-bit 154.5 -> 162.0; with more than one k block the order was no faster
     * (GEMM 1024 +2%, 2048 -2% at 512 bits, -6% at 256), until the general path took the same order
     * where both operands are packed (see {@link #general}); both sweep a panel with {@link #sweepSlivers}.
     */
    private static void byColumnSlivers(GemmArgs g, int i0, int i1, int j0, int j1) {
        int kc = g.k();
        float[][] buffers = BUFFERS.get();
        grow(buffers, 0, sliverAt(roundUp(Math.min(CHUNK_ROWS, i1 - i0), MR), kc),
                sliverAt(CHUNK_ROWS, COLUMN_ORDER_MAX_K));
        grow(buffers, 1, roundUp(Math.min(NC, j1 - j0), NR) * kc, NC * COLUMN_ORDER_MAX_K);
        float[] ap = buffers[0];
        float[] bp = buffers[1];
        float[] t = buffers[2];
        boolean straight = g.alpha() == 1f && g.beta() == 0f && !g.transC();
        for (int ia = i0; ia < i1; ia += CHUNK_ROWS) {
            int ma = Math.min(CHUNK_ROWS, i1 - ia);
            int fullRows = ma / MR * MR;
            int edgeRow = shiftedEdges(straight, ma, fullRows) ? ia + ma - MR : -1;
            if (edgeRow >= 0) {
                packA(g, ap, 0, ia, fullRows, 0, kc);
                packA(g, ap, sliverAt(fullRows, kc), edgeRow, MR, 0, kc);
            } else {
                packA(g, ap, 0, ia, ma, 0, kc);
            }
            for (int jc = j0; jc < j1; jc += NC) {
                int nc = Math.min(NC, j1 - jc);
                int fullCols = nc / NR * NR;
                int edgeWidth = edgeWidth(nc - fullCols);
                int edgeCol = shiftedEdges(straight, nc, fullCols) ? jc + nc - edgeWidth : -1;
                packPanel(g, bp, 0, kc, jc, nc, edgeCol, edgeWidth);
                sweepSlivers(g, ap, ia, ma, edgeRow, -1, 0, bp, 0, null, 0, 0, 0, kc, jc, nc, edgeCol, edgeWidth,
                        straight, true, t);
            }
        }
    }

    /**
     * One block of A's rows (ic..ic+mc, packed at ap; edgeRow the shifted ragged sliver's first row or
     * -1) times one panel of B (kc deep, columns jc..jc+nc, packed as slivers in bs from base), B's
     * slivers outside and A's inside, the slivers from {@code start} on, wrapping. With panels, each
     * sliver of the step is first made sure of ({@link SharedPanels#ensure}); false where that gave up
     * (another thread failed). Tiles go straight into C where whole and stored unchanged, else through
     * t. The dispatch is written out per tile: a helper call per tile cost the k = 10 shapes 3%.
     */
    private static boolean sweepSlivers(GemmArgs g, float[] ap, int ic, int mc, int edgeRow, int edge3Row,
                                        int edge3Rows, float[] bs, int base,
                                        SharedPanels panels, int step, int start, int pc, int kc, int jc, int nc,
                                        int edgeCol, int edgeWidth, boolean straight, boolean first, float[] t) {
        float[] c = g.c();
        int ldc = g.ldc();
        int slivers = (nc + NR - 1) / NR;
        for (int q = 0; q < slivers; q++) {
            int sliver = start + q < slivers ? start + q : start + q - slivers;
            if (panels != null && !panels.ensure(g, step, sliver, pc, kc, jc, nc, edgeCol, edgeWidth)) {
                return false;
            }
            int jr = sliver * NR;
            int bi = base + jr * kc;
            int nr = Math.min(NR, nc - jr);
            int col = jc + jr;
            // a narrow edge sliver is packed zero-padded to NR: the one tile covers it
            boolean oneVector = nr < NR && edgeWidth == L;
            if (nr < NR && edgeCol >= 0) {
                nr = edgeWidth;
                col = edgeCol;
            }
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int row = ic + ir;
                if (mr < MR && edgeRow >= 0) {
                    mr = MR;
                    row = edgeRow;
                }
                int ai = sliverAt(ir, kc);
                if (mr < MR && edge3Row >= 0) {
                    // the 3-row edge takes whole slivers of B in pairs, an even one with the odd one after it
                    // (this sweep's slivers come in order: edge3Row is unset where they start elsewhere)
                    int whole = (nc - (nc % NR)) / NR;
                    if (sliver % 2 == 0 && sliver + 1 < whole) {
                        continue;
                    }
                    if (sliver % 2 == 1 && sliver < whole) {
                        if (straight) {
                            VectorTiles.c3x4(ap, ai, AS, bs, bi - NR * kc, bi, NR, kc, c, g.cIndex(edge3Row, col - NR),
                                    ldc);
                        } else {
                            VectorTiles.c3x4(ap, ai, AS, bs, bi - NR * kc, bi, NR, kc, t, 0, 2 * NR);
                            update(g, t, 2 * NR, edge3Row, edge3Rows, col - NR, 2 * NR, first);
                        }
                        continue;
                    }
                    mr = edge3Rows;
                    row = edge3Row;
                }
                if (oneVector) {
                    if (straight && mr == MR && nr == L) {
                        tile1(ap, ai, AS, false, 0, bs, bi, NR, kc, c, g.cIndex(row, col), ldc);
                    } else {
                        tile1(ap, ai, AS, false, 0, bs, bi, NR, kc, t, 0, NR);
                        update(g, t, NR, row, mr, col, nr, first);
                    }
                } else if (straight && mr == MR && nr == NR) {
                    tile(ap, ai, AS, false, 0, bs, bi, NR, kc, c, g.cIndex(row, col), ldc);
                } else {
                    tile(ap, ai, AS, false, 0, bs, bi, NR, kc, t, 0, NR);
                    update(g, t, NR, row, mr, col, nr, first);
                }
            }
        }
        return true;
    }

    /**
     * Whether a block of {@code size} rows or columns, {@code full} of them in whole slivers, has its
     * ragged last sliver shifted back to a whole one: only for a k block stored straight into C (the
     * first, with alpha 1 and beta 0), where storing an element twice with the same bits changes nothing (an
     * update that adds would add it twice), and only in a block at least one sliver wide, so that the
     * shifted sliver stays inside it and inside this thread's share of C.
     */
    private static boolean shiftedEdges(boolean straight, int size, int full) {
        return straight && full < size && full > 0;
    }

    /**
     * Whether a block of mc rows, full of them in whole slivers, ends in 1 to 3 rows for the 3 x 4 tile
     * ({@link VectorTiles#c3x4}) instead of a whole 6-row tile: at 256 bits with the 6 x 2 tile, after at
     * least one whole sliver (so that the 3 rows ending at the block's last stay inside it). A batch of
     * 128 rows is 21 slivers and 2 rows: a 6-row tile for those computed 132 rows, the 3 x 4 tile 129.
     * Each element is the same fma chain in any tile, so the bits do not change.
     */
    static boolean threeRowEdge(int mc, int full) {
        return THREE_ROW_EDGES && full > 0 && mc - full >= 1 && mc - full <= 3;
    }

    /**
     * The width of a block's last sliver of columns when {@code rem} (1 to NR - 1) columns remain: at
     * 512 bits one vector where they fit in one, computed by the one-vector tile ({@link #tile1}), else
     * NR. A whole 8 x 3 tile for at most 16 columns did three times the fmas needed (256 columns are 5
     * slivers and 16). Measured on Zen 5 (512 bits, two threads, interleaved in one JVM, same bits):
     * NN:128x256x10 4.78 -> 4.64 us, NN:64x400x120 18.3 -> 17.5, TN:512x784x128 293 -> 281,
     * 300x400x700 562 -> 541 (two k blocks); GEMM 1024 and shapes without such an edge unchanged.
     */
    private static int edgeWidth(int rem) {
        return WIDE && rem <= L ? L : NR;
    }

    /**
     * The register tile, A read packed or in place, parked in t from ti with row stride ldt. One tile
     * per vector width: every tile method is slow Java code (C1 does not intrinsify the Vector API)
     * until C2 compiles it, and separate edge tiles, called rarely, stayed slow for seconds of a
     * training run. (The narrow path's tiles are not edge tiles: every call of a narrow shape uses them.)
     */
    private static void tile(float[] a, int ai, int aStep, boolean rows, int lda, float[] b, int bi, int bStep,
                             int kc, float[] t, int ti, int ldt) {
        if (FIVE_ROWS) {
            VectorTiles.c5x2(a, ai, aStep, b, bi, bStep, kc, t, ti, ldt);
        } else if (!WIDE) {
            // both slivers packed (or read in place with the same strides): the lean loop
            if (aStep == AS && bStep == NR) {
                VectorTiles.s6x2(a, ai, b, bi, kc, t, ti, ldt);
            } else {
                VectorTiles.c6x2(a, ai, aStep, b, bi, bStep, kc, t, ti, ldt);
            }
        } else if (rows) {
            VectorTiles.r8x3(a, ai, lda, b, bi, bStep, kc, t, ti, ldt);
        } else {
            VectorTiles.c8x3(a, ai, aStep, b, bi, bStep, kc, t, ti, ldt);
        }
    }

    /**
     * The one-vector tile (8 x 1, 512 bits only) for the last sliver of a block's columns (see
     * {@link #edgeWidth}), A read as {@link #tile} reads it, B's sliver with row stride bStep. These are
     * the narrow path's tiles, compiled early in any run with a narrow product (a classifier head); an
     * edge of this width comes with every call of its shape, so elsewhere C2 compiles them soon after the
     * shape's main tile. Until then they run as slow Java code: in a fresh JVM with no narrow product,
     * NN:128x256x10's first 300 calls took 30-110 ms longer (Zen 5, three runs), once; NN:64x400x120 showed
     * no difference.
     */
    private static void tile1(float[] a, int ai, int aStep, boolean rows, int lda, float[] b, int bi, int bStep,
                              int kc, float[] t, int ti, int ldt) {
        if (rows) {
            VectorTiles.r8x1(a, ai, lda, b, bi, bStep, kc, t, ti, ldt);
        } else {
            VectorTiles.c8x1(a, ai, aStep, b, bi, bStep, kc, t, ti, ldt);
        }
    }

    /**
     * A product with at most {@link #NARROW} columns of C: op(B)'s columns j0..j1 packed into a
     * kc x NARROW panel (zero past j1), then MR rows of C at a time with A read in place (rows of a
     * row-major A, columns of a transposed one; a short last sliver packed). The same kc blocks, fma
     * chains in k order and alpha/beta update as the full-width path.
     */
    private static void narrow(GemmArgs g, int i0, int i1, int j0, int j1) {
        int k = g.k();
        int nr = j1 - j0;
        float[][] buffers = BUFFERS.get();
        grow(buffers, 0, AS * Math.min(KC, k), sliverAt(MC, KC));
        grow(buffers, 1, NARROW * Math.min(KC, k), NC * KC);
        float[] ap = buffers[0];
        float[] bp = buffers[1];
        float[] t = buffers[2];
        float[] a = g.a();
        int lda = g.lda();
        boolean straight = k <= KC && g.alpha() == 1f && g.beta() == 0f && !g.transC();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            packNarrowB(g, bp, pc, kc, j0, nr);
            for (int row = i0; row < i1; row += MR) {
                int mr = Math.min(MR, i1 - row);
                float[] as = a;
                int ai;
                int aStep = lda;
                boolean rows = false;
                if (mr < MR) {
                    packA(g, ap, 0, row, mr, pc, kc);
                    as = ap;
                    ai = 0;
                    aStep = AS;
                } else if (g.transA()) {
                    ai = g.aOff() + pc * lda + row;
                } else {
                    ai = g.aOff() + row * lda + pc;
                    rows = true;
                }
                // Straight into C, each row's NARROW lanes are stored whole, the lanes past the row's
                // last column landing on the next rows' first ones, which later stores of this thread
                // overwrite (see overlapsRows); the last tiles of the range go through t.
                boolean overlap = straight && mr == MR && overlapsRows(g, row, i1, nr);
                float[] dst = overlap ? g.c() : t;
                int di = overlap ? g.cIndex(row, 0) : 0;
                int ldd = overlap ? g.ldc() : NARROW;
                if (FIVE_ROWS) {
                    if (rows) {
                        VectorTiles.r5x2(as, ai, lda, bp, 0, NARROW, kc, dst, di, ldd);
                    } else {
                        VectorTiles.c5x2(as, ai, aStep, bp, 0, NARROW, kc, dst, di, ldd);
                    }
                } else if (!WIDE) {
                    if (rows) {
                        VectorTiles.r6x2(as, ai, lda, bp, 0, NARROW, kc, dst, di, ldd);
                    } else {
                        VectorTiles.c6x2(as, ai, aStep, bp, 0, NARROW, kc, dst, di, ldd);
                    }
                } else if (rows) {
                    VectorTiles.r8x1(as, ai, lda, bp, 0, NARROW, kc, dst, di, ldd);
                } else {
                    VectorTiles.c8x1(as, ai, aStep, bp, 0, NARROW, kc, dst, di, ldd);
                }
                if (!overlap) {
                    update(g, t, NARROW, row, mr, j0, nr, pc == 0);
                }
            }
        }
    }

    /**
     * Whether the narrow tile at {@code row} may store its rows into C as whole {@link #NARROW}-lane
     * rows: C's rows must be packed back to back (ldc = n, this block all of C's width) so that the
     * lanes past a row's end fall on the next rows' first elements, and those must belong to this
     * thread's rows below the tile ({@code i1}), which its later tiles store afterwards, in row order.
     * So no element outside C's window or outside this thread's share is ever written, and each one's
     * last store holds its own value. Measured on Zen 5 (512 bits, 64 x 10 x 84 with B transposed): the
     * eight copies of 10 floats from t per tile were ~20% of the call.
     */
    private static boolean overlapsRows(GemmArgs g, int row, int i1, int nr) {
        int n = g.n();
        return nr == n && g.ldc() == n && (long) (row + MR - 1) * n + NARROW <= (long) i1 * n;
    }

    /**
     * A product with 9 or 10 rows of C (B not transposed, 512 bits): one 10 x 2-vector tile per 32
     * columns, B read in place (the last, ragged sliver packed zero-padded), A read in place when it
     * is transposed and 10 rows tall, else packed into one zero-padded 10-row sliver. The same kc
     * blocks, fma chains in k order and alpha/beta update as the full-width path.
     */
    private static void shortRows(GemmArgs g, int i0, int i1, int j0, int j1) {
        int k = g.k();
        int mr = i1 - i0;
        float[][] buffers = BUFFERS.get();
        grow(buffers, 0, SHORT * Math.min(KC, k), MC * KC);
        grow(buffers, 1, SHORT_NR * Math.min(KC, k), NC * KC);
        float[] ap = buffers[0];
        float[] bp = buffers[1];
        float[] t = buffers[2];
        float[] a = g.a();
        float[] b = g.b();
        int lda = g.lda();
        int ldb = g.ldb();
        boolean inPlace = g.transA() && mr == SHORT;
        boolean straight = k <= KC && g.alpha() == 1f && g.beta() == 0f && !g.transC();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float[] as = a;
            int ai = g.aOff() + pc * lda + i0;
            int aStep = lda;
            if (!inPlace) {
                packShortA(g, ap, i0, mr, pc, kc);
                as = ap;
                ai = 0;
                aStep = SHORT;
            }
            for (int jr = j0; jr < j1; jr += SHORT_NR) {
                int nr = Math.min(SHORT_NR, j1 - jr);
                int col = jr;
                if (nr < SHORT_NR && shiftedEdges(straight, j1 - j0, (j1 - j0) / SHORT_NR * SHORT_NR)) {
                    // as in compute: the ragged last sliver becomes a whole one ending at the last column
                    nr = SHORT_NR;
                    col = j1 - SHORT_NR;
                }
                float[] bs = b;
                int bi = g.bOff() + pc * ldb + col;
                int bStep = ldb;
                if (nr < SHORT_NR) {
                    copyRowsPadded(b, bi, ldb, nr, kc, bp, SHORT_NR);
                    bs = bp;
                    bi = 0;
                    bStep = SHORT_NR;
                }
                if (straight && mr == SHORT && nr == SHORT_NR) {
                    VectorTiles.c10x2(as, ai, aStep, bs, bi, bStep, kc, g.c(), g.cIndex(i0, col), g.ldc());
                } else {
                    VectorTiles.c10x2(as, ai, aStep, bs, bi, bStep, kc, t, 0, SHORT_NR);
                    update(g, t, SHORT_NR, i0, mr, col, nr, pc == 0);
                }
            }
        }
    }

    /** ap[p * SHORT + r] = op(A)[i0 + r, pc + p] for r < mr, zero up to SHORT. */
    private static void packShortA(GemmArgs g, float[] ap, int i0, int mr, int pc, int kc) {
        float[] a = g.a();
        int lda = g.lda();
        if (g.transA()) {
            copyRowsPadded(a, g.aOff() + pc * lda + i0, lda, mr, kc, ap, SHORT);
        } else {
            Arrays.fill(ap, 0, kc * SHORT, 0f);
            transposeRows(a, g.aOff() + i0 * lda + pc, lda, mr, kc, ap, 0, SHORT);
        }
    }

    /** bp[p * NARROW + j] = op(B)[pc + p, j0 + j] for j < nr, zero up to NARROW. */
    private static void packNarrowB(GemmArgs g, float[] bp, int pc, int kc, int j0, int nr) {
        float[] b = g.b();
        int ldb = g.ldb();
        if (g.transB()) {
            Arrays.fill(bp, 0, kc * NARROW, 0f);
            transposeRows(b, g.bOff() + j0 * ldb + pc, ldb, nr, kc, bp, 0, NARROW);
            return;
        }
        copyRowsPadded(b, g.bOff() + pc * ldb + j0, ldb, nr, kc, bp, NARROW);
    }

    /**
     * dst[p * width + j] = src[s + p * ld + j] for j < cols, zero up to width, for p < rows: rows of
     * a strided source into a dense, zero-padded panel.
     */
    private static void copyRowsPadded(float[] src, int s, int ld, int cols, int rows, float[] dst, int width) {
        for (int p = 0, from = s, to = 0; p < rows; p++, from += ld, to += width) {
            System.arraycopy(src, from, dst, to, cols);
            Arrays.fill(dst, to + cols, to + width, 0f);
        }
    }

    /**
     * C[i, j] = alpha * dot(op(A)[i, :], B[j, :]) + beta * C[i, j] for the block, B transposed (its
     * rows are op(B)'s columns). A row of op(A) that is strided (transA) is gathered once per row.
     * Four independent accumulators hide the fma latency; the tail past the last whole vector is
     * added in scalar fma after the lane reduction, in the same order for every element.
     */
    private static void dotProducts(GemmArgs g, int i0, int i1, int j0, int j1) {
        int k = g.k();
        float[] a = g.a();
        float[] b = g.b();
        float[] c = g.c();
        int ldb = g.ldb();
        float alpha = g.alpha();
        float beta = g.beta();
        float[][] buffers = BUFFERS.get();
        for (int i = i0; i < i1; i++) {
            float[] row = a;
            int rowOff = g.aOff() + i * g.lda();
            if (g.transA()) {
                grow(buffers, 0, k, MC * KC);
                row = buffers[0];
                rowOff = 0;
                for (int p = 0, src = g.aOff() + i; p < k; p++, src += g.lda()) {
                    row[p] = a[src];
                }
            }
            for (int j = j0; j < j1; j++) {
                int bRow = g.bOff() + j * ldb;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = FloatVector.zero(S);
                FloatVector acc2 = FloatVector.zero(S);
                FloatVector acc3 = FloatVector.zero(S);
                int p = 0;
                for (; p + 4 * L <= k; p += 4 * L) {
                    acc0 = FloatVector.fromArray(S, row, rowOff + p).fma(FloatVector.fromArray(S, b, bRow + p), acc0);
                    acc1 = FloatVector.fromArray(S, row, rowOff + p + L)
                            .fma(FloatVector.fromArray(S, b, bRow + p + L), acc1);
                    acc2 = FloatVector.fromArray(S, row, rowOff + p + 2 * L)
                            .fma(FloatVector.fromArray(S, b, bRow + p + 2 * L), acc2);
                    acc3 = FloatVector.fromArray(S, row, rowOff + p + 3 * L)
                            .fma(FloatVector.fromArray(S, b, bRow + p + 3 * L), acc3);
                }
                for (; p + L <= k; p += L) {
                    acc0 = FloatVector.fromArray(S, row, rowOff + p).fma(FloatVector.fromArray(S, b, bRow + p), acc0);
                }
                float sum = LaneSums.sum(acc0.add(acc1).add(acc2.add(acc3)));
                for (; p < k; p++) {
                    sum = Math.fma(row[rowOff + p], b[bRow + p], sum);
                }
                float scaled = sum * alpha;
                int at = g.cIndex(i, j);
                if (beta == 0f) {
                    c[at] = scaled;
                } else if (beta == 1f) {
                    c[at] = c[at] + scaled;
                } else {
                    c[at] = c[at] * beta + scaled;
                }
            }
        }
    }

    /**
     * Makes buffers[slot] hold at least {@code needed} floats. Growth at least doubles (up to the
     * largest size any call needs) so a run of growing calls allocates only a few times, and a
     * small call never pays for the large buffer's fresh pages.
     */
    static void grow(float[][] buffers, int slot, int needed, int largest) {
        int have = buffers[slot].length;
        if (have < needed) {
            buffers[slot] = new float[Math.max(needed, Math.min(largest, 2 * have))];
        }
    }

    /** Where the packed A sliver of row {@code rows} (a multiple of MR) of a block starts, for steps of depth kc. */
    private static int sliverAt(int rows, int kc) {
        return rows / MR * AS * kc;
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /**
     * Packs op(B)'s columns jc..jc+nc of k block pc into bp; with {@code edgeCol >= 0} the ragged last
     * sliver is {@code edgeWidth} columns ending at the panel's last column (see shiftedEdges): one
     * vector, zero-padded to NR, or a whole sliver, its overlap with the sliver before copied from the
     * panel where B is transposed.
     */
    private static void packPanel(GemmArgs g, float[] bp, int pc, int kc, int jc, int nc, int edgeCol,
                                  int edgeWidth) {
        if (edgeCol < 0) {
            packB(g, bp, 0, pc, kc, jc, nc);
            return;
        }
        int fullCols = nc / NR * NR;
        packB(g, bp, 0, pc, kc, jc, fullCols);
        packShiftedSliver(g, bp, fullCols * kc, pc, kc, jc + fullCols, nc - fullCols, edgeCol, edgeWidth);
    }

    /**
     * Packs a panel's ragged last sliver (columns col..col+r) shifted to end at the block's last column
     * (edgeCol, edgeWidth wide), at {@code at}; with B transposed and a whole NR-wide edge it copies
     * from the sliver packed before it ({@link #packShiftedEdge}).
     */
    private static void packShiftedSliver(GemmArgs g, float[] bp, int at, int pc, int kc, int col, int r, int edgeCol,
                                          int edgeWidth) {
        if (edgeWidth < NR) {
            packB(g, bp, at, pc, kc, edgeCol, edgeWidth);
        } else if (g.transB()) {
            packShiftedEdge(g, bp, at, pc, kc, col, r);
        } else {
            packB(g, bp, at, pc, kc, edgeCol, NR);
        }
    }

    /**
     * The B panels of one split call ({@link #sharedRows}), packed once for all its threads instead of
     * once by each: a sliver is packed by the first thread that needs it (the others wait for it,
     * rarely, since each thread starts its sweep of a block at its own sliver) and read by every thread
     * after. Each step (a block of columns and of k) has its own panel, so a thread ahead in the next
     * step never overwrites what another still reads; only calls of at most {@link #MAX_STEPS} steps
     * share (GEMM up to 2064 x 2048 at 512 bits), the buffer then at most twice a thread's own panel.
     * The packed values are the ones each thread would have packed, so the bits are the same.
     */
    static final class SharedPanels {
        /** The most steps a call may have for its panels to be shared. */
        static final int MAX_STEPS = 2;
        private static final int FREE = 0;
        private static final int PACKING = 1;
        private static final int PACKED = 2;

        final float[] buffer;
        /** Per step and sliver: FREE, PACKING or PACKED. */
        private final AtomicIntegerArray state;
        private final int slivers;
        private final int stepFloats;
        private final int threads;
        private final RowClaims claims;

        SharedPanels(float[] buffer, int steps, int ncMax, int kcMax, int threads, RowClaims claims) {
            this.buffer = buffer;
            this.slivers = ncMax / NR;
            this.stepFloats = ncMax * kcMax;
            this.state = new AtomicIntegerArray(steps * slivers);
            this.threads = threads;
            this.claims = claims;
        }

        /** Where the step's panel starts in {@link #buffer}. */
        int base(int step) {
            return step * stepFloats;
        }

        /** The sliver a block's sweep starts at: blocks claimed together start apart. */
        int firstSliver(int block, int count) {
            return block % threads * count / threads;
        }

        /**
         * Makes sure the step's sliver is packed: packs it where no thread has begun to, waits where
         * another is packing it. False where another thread failed meanwhile (the caller then stops).
         */
        boolean ensure(GemmArgs g, int step, int sliver, int pc, int kc, int jc, int nc, int edgeCol,
                       int edgeWidth) {
            int i = step * slivers + sliver;
            if (state.get(i) == PACKED) {
                return true;
            }
            if (state.compareAndSet(i, FREE, PACKING)) {
                int fullCols = nc / NR * NR;
                int jr = sliver * NR;
                int at = base(step) + jr * kc;
                if (jr < fullCols || edgeCol < 0) {
                    packB(g, buffer, at, pc, kc, jc + jr, Math.min(NR, nc - jr));
                } else {
                    // the shifted edge of a transposed B copies from the sliver before it
                    if (edgeWidth == NR && g.transB()
                            && !ensure(g, step, sliver - 1, pc, kc, jc, nc, edgeCol, edgeWidth)) {
                        return false;
                    }
                    packShiftedSliver(g, buffer, at, pc, kc, jc + jr, nc - jr, edgeCol, edgeWidth);
                }
                state.set(i, PACKED);
                return true;
            }
            while (state.get(i) != PACKED) {
                if (claims.failed()) {
                    return false;
                }
                Thread.onSpinWait();
            }
            return true;
        }
    }

    /** bp holds NR-wide slivers from {@code at}: bp[at + jr * kc + p * NR + j] = op(B)[pc + p, jc + jr + j], zero past n. */
    private static void packB(GemmArgs g, float[] bp, int at, int pc, int kc, int jc, int nc) {
        float[] b = g.b();
        int ldb = g.ldb();
        int bOff = g.bOff();
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = at + jr * kc;
            if (!g.transB()) {
                int src = bOff + pc * ldb + jc + jr;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int v = 0; v < NR; v += L) {
                            FloatVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        int j = 0;
                        for (; j < nr; j++) {
                            bp[dst + j] = b[src + j];
                        }
                        for (; j < NR; j++) {
                            bp[dst + j] = 0f;
                        }
                    }
                }
            } else {
                if (nr < NR) {
                    Arrays.fill(bp, dst, dst + kc * NR, 0f);
                }
                transposeRows(b, bOff + (jc + jr) * ldb + pc, ldb, nr, kc, bp, dst, NR);
            }
        }
    }

    /**
     * The shifted last sliver of a transposed B (see {@link #shiftedEdges}), packed at {@code at} right
     * after the last whole sliver: its first NR - r columns are that sliver's last ones, copied row by
     * row, and only its r new columns (from {@code col}) are transposed from B. Transposing all NR cost
     * NR - r rows of B more than the zero-padded sliver did: NT:64x120x400 on two threads 38.1-39.6 us
     * without the shift, 43.8-44.3 with all NR transposed, 38.4-40.2 with this copy (Zen 5, 512 bits,
     * the three interleaved in one JVM). Each row's copy is whole vectors: the lanes past the old
     * sliver's row land on the new columns, which the transpose then overwrites.
     */
    private static void packShiftedEdge(GemmArgs g, float[] bp, int at, int pc, int kc, int col, int r) {
        int from = at - NR * kc + r;
        for (int p = 0, d = at; p < kc; p++, from += NR, d += NR) {
            for (int v = 0; v < NR; v += L) {
                FloatVector.fromArray(S, bp, from + v).intoArray(bp, d + v);
            }
        }
        transposeRows(g.b(), g.bOff() + col * g.ldb() + pc, g.ldb(), r, kc, bp, at + NR - r, NR);
    }

    /**
     * dst[d + p * width + r] = src[s + r * ld + p] for r < rows, p < kc: rows of the source become
     * columns of the destination. Blocks of L rows and L columns are transposed in registers
     * ({@link #transpose16}, {@link #transpose8}), and so are the 8-row A slivers of 512-bit tiles
     * ({@link #transposeSliver8}); the rest four source rows at a time, so each step writes four
     * adjacent floats (measured on Zen 5: about 1.7x faster than one row at a time, which writes one
     * float per destination row).
     */
    static void transposeRows(float[] src, int s, int ld, int rows, int kc, float[] dst, int d, int width) {
        int r = 0;
        if (L == 16 && rows == 8 && width == 8) {
            // an A sliver of the 8-row tile: its steps are back to back, two to a vector. Against four
            // rows at a time in scalar code, interleaved in one JVM on Zen 5 (two threads): GEMM 512
            // 0.968x, GEMM 1024 0.981x, GEMM 2048 0.987x, NN:128x512x256 0.972x, NN:128x784x512 0.981x
            int kcL = kc / 16 * 16;
            transposeSliver8(src, s, ld, kcL, dst, d);
            for (int i = 0; i < 8; i++) {
                for (int p = kcL, at = d + i + kcL * 8; p < kc; p++, at += 8) {
                    dst[at] = src[s + i * ld + p];
                }
            }
            return;
        }
        if (L == 16 || L == 8) {
            int kcL = kc / L * L;
            for (; r + L <= rows; r += L) {
                int s0 = s + r * ld;
                if (L == 16) {
                    transpose16(src, s0, ld, kcL, dst, d + r, width);
                } else {
                    for (int p = 0; p < kcL; p += 8) {
                        transpose8(src, s0 + p, ld, dst, d + r + p * width, width);
                    }
                }
                for (int i = 0; i < L; i++) {
                    for (int p = kcL, at = d + r + i + kcL * width; p < kc; p++, at += width) {
                        dst[at] = src[s0 + i * ld + p];
                    }
                }
            }
        }
        for (; r + 4 <= rows; r += 4) {
            int s0 = s + r * ld;
            int s1 = s0 + ld;
            int s2 = s1 + ld;
            int s3 = s2 + ld;
            for (int p = 0, at = d + r; p < kc; p++, at += width) {
                dst[at] = src[s0 + p];
                dst[at + 1] = src[s1 + p];
                dst[at + 2] = src[s2 + p];
                dst[at + 3] = src[s3 + p];
            }
        }
        for (; r < rows; r++) {
            int s0 = s + r * ld;
            for (int p = 0, at = d + r; p < kc; p++, at += width) {
                dst[at] = src[s0 + p];
            }
        }
    }

    /*
     * The register transposes' lane moves: SWAPn exchanges lanes n apart (lane l takes lane l ^ n) and
     * HIGHn selects the lanes whose index has bit n set; null where n is not below the lane count.
     */
    private static final VectorShuffle<Float> SWAP8 = L > 8 ? VectorShuffle.fromOp(S, l -> l ^ 8) : null;
    private static final VectorShuffle<Float> SWAP4 = L > 4 ? VectorShuffle.fromOp(S, l -> l ^ 4) : null;
    private static final VectorShuffle<Float> SWAP2 = L > 2 ? VectorShuffle.fromOp(S, l -> l ^ 2) : null;
    private static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(S, l -> l ^ 1);
    private static final VectorMask<Float> HIGH8 = L > 8 ? highLanes(8) : null;
    private static final VectorMask<Float> HIGH4 = L > 4 ? highLanes(4) : null;
    private static final VectorMask<Float> HIGH2 = L > 2 ? highLanes(2) : null;
    private static final VectorMask<Float> HIGH1 = highLanes(1);

    private static VectorMask<Float> highLanes(int bit) {
        long lanes = 0;
        for (int l = 0; l < L; l++) {
            if ((l & bit) != 0) {
                lanes |= 1L << l;
            }
        }
        return VectorMask.fromLong(S, lanes);
    }

    /*
     * A register transpose of n x n runs log2(n) rounds. A round of size h pairs row x with row y, h rows
     * below it, and exchanges blocks of h lanes: x keeps its lanes without bit h and takes y's lane l - h
     * into each lane l with it; y takes x's lane l + h into each lane without it and keeps its own. One
     * rearrange serves both:
     *     t = y.blend(x, HIGHh).rearrange(SWAPh); x' = x.blend(t, HIGHh); y' = t.blend(y, HIGHh)
     * (t's lane l is y's lane l - h where bit h is set, x's lane l + h where it is clear). After rounds
     * of n/2, ..., 2, 1 lanes, row i holds column i. In JDK 17's code each rearrange reloads and widens
     * its byte indices (vpmovzxbd, vpermd) and each blend rebuilds its predicate (vpcmpeqd,
     * vpblendmd), inside the loop: one rearrange a pair and one shuffle a round did better than two
     * rotations a pair (six shuffles), the form used until run R. Every shape stays the preferred one:
     * 128- or 256-bit vectors beside the 512-bit ones make the Vector API's shared call sites (intoArray
     * and the rest) see two classes, and C2 then leaves stores in the tiles as calls. Measured in
     * benchmarks/README.md, run S, "What changed since run R".
     */

    /**
     * dst[d + p * width + i] = src[s + i * ld + p] for i < 16, p < kcL (a multiple of 16), with 16-lane
     * vectors: for each 16 x 16 block, sixteen row loads, four rounds, sixteen stores. The loop is here,
     * with the block, so that C2 compiles them as one.
     */
    private static void transpose16(float[] src, int s, int ld, int kcL, float[] dst, int d, int width) {
        for (int p = 0; p < kcL; p += 16) {
            int sp = s + p;
            int dp = d + p * width;
            FloatVector x0 = FloatVector.fromArray(S, src, sp);
            FloatVector x1 = FloatVector.fromArray(S, src, sp + ld);
            FloatVector x2 = FloatVector.fromArray(S, src, sp + 2 * ld);
            FloatVector x3 = FloatVector.fromArray(S, src, sp + 3 * ld);
            FloatVector x4 = FloatVector.fromArray(S, src, sp + 4 * ld);
            FloatVector x5 = FloatVector.fromArray(S, src, sp + 5 * ld);
            FloatVector x6 = FloatVector.fromArray(S, src, sp + 6 * ld);
            FloatVector x7 = FloatVector.fromArray(S, src, sp + 7 * ld);
            FloatVector x8 = FloatVector.fromArray(S, src, sp + 8 * ld);
            FloatVector x9 = FloatVector.fromArray(S, src, sp + 9 * ld);
            FloatVector x10 = FloatVector.fromArray(S, src, sp + 10 * ld);
            FloatVector x11 = FloatVector.fromArray(S, src, sp + 11 * ld);
            FloatVector x12 = FloatVector.fromArray(S, src, sp + 12 * ld);
            FloatVector x13 = FloatVector.fromArray(S, src, sp + 13 * ld);
            FloatVector x14 = FloatVector.fromArray(S, src, sp + 14 * ld);
            FloatVector x15 = FloatVector.fromArray(S, src, sp + 15 * ld);
            FloatVector ta0 = x8.blend(x0, HIGH8).rearrange(SWAP8);
            FloatVector a0 = x0.blend(ta0, HIGH8);
            FloatVector a8 = ta0.blend(x8, HIGH8);
            FloatVector ta1 = x9.blend(x1, HIGH8).rearrange(SWAP8);
            FloatVector a1 = x1.blend(ta1, HIGH8);
            FloatVector a9 = ta1.blend(x9, HIGH8);
            FloatVector ta2 = x10.blend(x2, HIGH8).rearrange(SWAP8);
            FloatVector a2 = x2.blend(ta2, HIGH8);
            FloatVector a10 = ta2.blend(x10, HIGH8);
            FloatVector ta3 = x11.blend(x3, HIGH8).rearrange(SWAP8);
            FloatVector a3 = x3.blend(ta3, HIGH8);
            FloatVector a11 = ta3.blend(x11, HIGH8);
            FloatVector ta4 = x12.blend(x4, HIGH8).rearrange(SWAP8);
            FloatVector a4 = x4.blend(ta4, HIGH8);
            FloatVector a12 = ta4.blend(x12, HIGH8);
            FloatVector ta5 = x13.blend(x5, HIGH8).rearrange(SWAP8);
            FloatVector a5 = x5.blend(ta5, HIGH8);
            FloatVector a13 = ta5.blend(x13, HIGH8);
            FloatVector ta6 = x14.blend(x6, HIGH8).rearrange(SWAP8);
            FloatVector a6 = x6.blend(ta6, HIGH8);
            FloatVector a14 = ta6.blend(x14, HIGH8);
            FloatVector ta7 = x15.blend(x7, HIGH8).rearrange(SWAP8);
            FloatVector a7 = x7.blend(ta7, HIGH8);
            FloatVector a15 = ta7.blend(x15, HIGH8);
            FloatVector tb0 = a4.blend(a0, HIGH4).rearrange(SWAP4);
            FloatVector b0 = a0.blend(tb0, HIGH4);
            FloatVector b4 = tb0.blend(a4, HIGH4);
            FloatVector tb1 = a5.blend(a1, HIGH4).rearrange(SWAP4);
            FloatVector b1 = a1.blend(tb1, HIGH4);
            FloatVector b5 = tb1.blend(a5, HIGH4);
            FloatVector tb2 = a6.blend(a2, HIGH4).rearrange(SWAP4);
            FloatVector b2 = a2.blend(tb2, HIGH4);
            FloatVector b6 = tb2.blend(a6, HIGH4);
            FloatVector tb3 = a7.blend(a3, HIGH4).rearrange(SWAP4);
            FloatVector b3 = a3.blend(tb3, HIGH4);
            FloatVector b7 = tb3.blend(a7, HIGH4);
            FloatVector tb8 = a12.blend(a8, HIGH4).rearrange(SWAP4);
            FloatVector b8 = a8.blend(tb8, HIGH4);
            FloatVector b12 = tb8.blend(a12, HIGH4);
            FloatVector tb9 = a13.blend(a9, HIGH4).rearrange(SWAP4);
            FloatVector b9 = a9.blend(tb9, HIGH4);
            FloatVector b13 = tb9.blend(a13, HIGH4);
            FloatVector tb10 = a14.blend(a10, HIGH4).rearrange(SWAP4);
            FloatVector b10 = a10.blend(tb10, HIGH4);
            FloatVector b14 = tb10.blend(a14, HIGH4);
            FloatVector tb11 = a15.blend(a11, HIGH4).rearrange(SWAP4);
            FloatVector b11 = a11.blend(tb11, HIGH4);
            FloatVector b15 = tb11.blend(a15, HIGH4);
            FloatVector tc0 = b2.blend(b0, HIGH2).rearrange(SWAP2);
            FloatVector c0 = b0.blend(tc0, HIGH2);
            FloatVector c2 = tc0.blend(b2, HIGH2);
            FloatVector tc1 = b3.blend(b1, HIGH2).rearrange(SWAP2);
            FloatVector c1 = b1.blend(tc1, HIGH2);
            FloatVector c3 = tc1.blend(b3, HIGH2);
            FloatVector tc4 = b6.blend(b4, HIGH2).rearrange(SWAP2);
            FloatVector c4 = b4.blend(tc4, HIGH2);
            FloatVector c6 = tc4.blend(b6, HIGH2);
            FloatVector tc5 = b7.blend(b5, HIGH2).rearrange(SWAP2);
            FloatVector c5 = b5.blend(tc5, HIGH2);
            FloatVector c7 = tc5.blend(b7, HIGH2);
            FloatVector tc8 = b10.blend(b8, HIGH2).rearrange(SWAP2);
            FloatVector c8 = b8.blend(tc8, HIGH2);
            FloatVector c10 = tc8.blend(b10, HIGH2);
            FloatVector tc9 = b11.blend(b9, HIGH2).rearrange(SWAP2);
            FloatVector c9 = b9.blend(tc9, HIGH2);
            FloatVector c11 = tc9.blend(b11, HIGH2);
            FloatVector tc12 = b14.blend(b12, HIGH2).rearrange(SWAP2);
            FloatVector c12 = b12.blend(tc12, HIGH2);
            FloatVector c14 = tc12.blend(b14, HIGH2);
            FloatVector tc13 = b15.blend(b13, HIGH2).rearrange(SWAP2);
            FloatVector c13 = b13.blend(tc13, HIGH2);
            FloatVector c15 = tc13.blend(b15, HIGH2);
            FloatVector td0 = c1.blend(c0, HIGH1).rearrange(SWAP1);
            FloatVector d0 = c0.blend(td0, HIGH1);
            FloatVector d1 = td0.blend(c1, HIGH1);
            FloatVector td2 = c3.blend(c2, HIGH1).rearrange(SWAP1);
            FloatVector d2 = c2.blend(td2, HIGH1);
            FloatVector d3 = td2.blend(c3, HIGH1);
            FloatVector td4 = c5.blend(c4, HIGH1).rearrange(SWAP1);
            FloatVector d4 = c4.blend(td4, HIGH1);
            FloatVector d5 = td4.blend(c5, HIGH1);
            FloatVector td6 = c7.blend(c6, HIGH1).rearrange(SWAP1);
            FloatVector d6 = c6.blend(td6, HIGH1);
            FloatVector d7 = td6.blend(c7, HIGH1);
            FloatVector td8 = c9.blend(c8, HIGH1).rearrange(SWAP1);
            FloatVector d8 = c8.blend(td8, HIGH1);
            FloatVector d9 = td8.blend(c9, HIGH1);
            FloatVector td10 = c11.blend(c10, HIGH1).rearrange(SWAP1);
            FloatVector d10 = c10.blend(td10, HIGH1);
            FloatVector d11 = td10.blend(c11, HIGH1);
            FloatVector td12 = c13.blend(c12, HIGH1).rearrange(SWAP1);
            FloatVector d12 = c12.blend(td12, HIGH1);
            FloatVector d13 = td12.blend(c13, HIGH1);
            FloatVector td14 = c15.blend(c14, HIGH1).rearrange(SWAP1);
            FloatVector d14 = c14.blend(td14, HIGH1);
            FloatVector d15 = td14.blend(c15, HIGH1);
            d0.intoArray(dst, dp);
            d1.intoArray(dst, dp + width);
            d2.intoArray(dst, dp + 2 * width);
            d3.intoArray(dst, dp + 3 * width);
            d4.intoArray(dst, dp + 4 * width);
            d5.intoArray(dst, dp + 5 * width);
            d6.intoArray(dst, dp + 6 * width);
            d7.intoArray(dst, dp + 7 * width);
            d8.intoArray(dst, dp + 8 * width);
            d9.intoArray(dst, dp + 9 * width);
            d10.intoArray(dst, dp + 10 * width);
            d11.intoArray(dst, dp + 11 * width);
            d12.intoArray(dst, dp + 12 * width);
            d13.intoArray(dst, dp + 13 * width);
            d14.intoArray(dst, dp + 14 * width);
            d15.intoArray(dst, dp + 15 * width);
        }
    }

    /** With 16 lanes, lane L of a step pair takes lane 2 (L & 7) + (L >> 3) ({@link #transposeSliver8}). */
    private static final VectorShuffle<Float> PAIR_STEPS =
            L == 16 ? VectorShuffle.fromOp(S, l -> 2 * (l & 7) + (l >> 3)) : null;

    /**
     * dst[d + p * 8 + i] = src[s + i * ld + p] for i < 8, p < kcL (a multiple of 16), with 16-lane
     * vectors: an 8-row A sliver, whose steps of 8 floats lie back to back, so one vector holds two.
     * For each 8 x 16 block, eight row loads (row i, lanes p..p+15), three rounds that exchange row bit
     * j with lane bit j + 1 (pairs of rows 1, 2, 4 apart, blocks of 2, 4, 8 lanes), which leave step
     * pair q in row q with row i's two values in lanes 2i and 2i + 1, then one rearrange each into
     * the steps' order ({@link #PAIR_STEPS}) and eight stores.
     */
    private static void transposeSliver8(float[] src, int s, int ld, int kcL, float[] dst, int d) {
        for (int p = 0; p < kcL; p += 16) {
            int sp = s + p;
            int dp = d + p * 8;
            FloatVector x0 = FloatVector.fromArray(S, src, sp);
            FloatVector x1 = FloatVector.fromArray(S, src, sp + ld);
            FloatVector x2 = FloatVector.fromArray(S, src, sp + 2 * ld);
            FloatVector x3 = FloatVector.fromArray(S, src, sp + 3 * ld);
            FloatVector x4 = FloatVector.fromArray(S, src, sp + 4 * ld);
            FloatVector x5 = FloatVector.fromArray(S, src, sp + 5 * ld);
            FloatVector x6 = FloatVector.fromArray(S, src, sp + 6 * ld);
            FloatVector x7 = FloatVector.fromArray(S, src, sp + 7 * ld);
            FloatVector ta0 = x1.blend(x0, HIGH2).rearrange(SWAP2);
            FloatVector a0 = x0.blend(ta0, HIGH2);
            FloatVector a1 = ta0.blend(x1, HIGH2);
            FloatVector ta2 = x3.blend(x2, HIGH2).rearrange(SWAP2);
            FloatVector a2 = x2.blend(ta2, HIGH2);
            FloatVector a3 = ta2.blend(x3, HIGH2);
            FloatVector ta4 = x5.blend(x4, HIGH2).rearrange(SWAP2);
            FloatVector a4 = x4.blend(ta4, HIGH2);
            FloatVector a5 = ta4.blend(x5, HIGH2);
            FloatVector ta6 = x7.blend(x6, HIGH2).rearrange(SWAP2);
            FloatVector a6 = x6.blend(ta6, HIGH2);
            FloatVector a7 = ta6.blend(x7, HIGH2);
            FloatVector tb0 = a2.blend(a0, HIGH4).rearrange(SWAP4);
            FloatVector b0 = a0.blend(tb0, HIGH4);
            FloatVector b2 = tb0.blend(a2, HIGH4);
            FloatVector tb1 = a3.blend(a1, HIGH4).rearrange(SWAP4);
            FloatVector b1 = a1.blend(tb1, HIGH4);
            FloatVector b3 = tb1.blend(a3, HIGH4);
            FloatVector tb4 = a6.blend(a4, HIGH4).rearrange(SWAP4);
            FloatVector b4 = a4.blend(tb4, HIGH4);
            FloatVector b6 = tb4.blend(a6, HIGH4);
            FloatVector tb5 = a7.blend(a5, HIGH4).rearrange(SWAP4);
            FloatVector b5 = a5.blend(tb5, HIGH4);
            FloatVector b7 = tb5.blend(a7, HIGH4);
            FloatVector tc0 = b4.blend(b0, HIGH8).rearrange(SWAP8);
            FloatVector c0 = b0.blend(tc0, HIGH8);
            FloatVector c4 = tc0.blend(b4, HIGH8);
            FloatVector tc1 = b5.blend(b1, HIGH8).rearrange(SWAP8);
            FloatVector c1 = b1.blend(tc1, HIGH8);
            FloatVector c5 = tc1.blend(b5, HIGH8);
            FloatVector tc2 = b6.blend(b2, HIGH8).rearrange(SWAP8);
            FloatVector c2 = b2.blend(tc2, HIGH8);
            FloatVector c6 = tc2.blend(b6, HIGH8);
            FloatVector tc3 = b7.blend(b3, HIGH8).rearrange(SWAP8);
            FloatVector c3 = b3.blend(tc3, HIGH8);
            FloatVector c7 = tc3.blend(b7, HIGH8);
            c0.rearrange(PAIR_STEPS).intoArray(dst, dp);
            c1.rearrange(PAIR_STEPS).intoArray(dst, dp + 16);
            c2.rearrange(PAIR_STEPS).intoArray(dst, dp + 32);
            c3.rearrange(PAIR_STEPS).intoArray(dst, dp + 48);
            c4.rearrange(PAIR_STEPS).intoArray(dst, dp + 64);
            c5.rearrange(PAIR_STEPS).intoArray(dst, dp + 80);
            c6.rearrange(PAIR_STEPS).intoArray(dst, dp + 96);
            c7.rearrange(PAIR_STEPS).intoArray(dst, dp + 112);
        }
    }

    /**
     * dst[d + j * width + i] = src[s + i * ld + j] for i, j < 8, with 8-lane vectors: eight row loads,
     * three rounds, eight stores. At 256 bits about 0.2 ns an element against 0.32 for four rows at a
     * time in scalar code (Zen 5, 16 rows of a 256 x 784 W into one 16-wide sliver, repeated); on Zen 3
     * 0.32-0.35 ns against 0.6-0.9. Four 4 x 4 transposes in 128-bit vectors ran as fast alone (0.32 ns)
     * but not in Flint: a second species in these classes left C2 boxing vectors (NT:128x256x512 took
     * 12 ms instead of 0.44, most of it allocation), so every kernel here keeps to the preferred one.
     */
    private static void transpose8(float[] src, int s, int ld, float[] dst, int d, int width) {
        FloatVector x0 = FloatVector.fromArray(S, src, s);
        FloatVector x1 = FloatVector.fromArray(S, src, s + ld);
        FloatVector x2 = FloatVector.fromArray(S, src, s + 2 * ld);
        FloatVector x3 = FloatVector.fromArray(S, src, s + 3 * ld);
        FloatVector x4 = FloatVector.fromArray(S, src, s + 4 * ld);
        FloatVector x5 = FloatVector.fromArray(S, src, s + 5 * ld);
        FloatVector x6 = FloatVector.fromArray(S, src, s + 6 * ld);
        FloatVector x7 = FloatVector.fromArray(S, src, s + 7 * ld);
        FloatVector ta0 = x4.blend(x0, HIGH4).rearrange(SWAP4);
        FloatVector a0 = x0.blend(ta0, HIGH4);
        FloatVector a4 = ta0.blend(x4, HIGH4);
        FloatVector ta1 = x5.blend(x1, HIGH4).rearrange(SWAP4);
        FloatVector a1 = x1.blend(ta1, HIGH4);
        FloatVector a5 = ta1.blend(x5, HIGH4);
        FloatVector ta2 = x6.blend(x2, HIGH4).rearrange(SWAP4);
        FloatVector a2 = x2.blend(ta2, HIGH4);
        FloatVector a6 = ta2.blend(x6, HIGH4);
        FloatVector ta3 = x7.blend(x3, HIGH4).rearrange(SWAP4);
        FloatVector a3 = x3.blend(ta3, HIGH4);
        FloatVector a7 = ta3.blend(x7, HIGH4);
        FloatVector tb0 = a2.blend(a0, HIGH2).rearrange(SWAP2);
        FloatVector b0 = a0.blend(tb0, HIGH2);
        FloatVector b2 = tb0.blend(a2, HIGH2);
        FloatVector tb1 = a3.blend(a1, HIGH2).rearrange(SWAP2);
        FloatVector b1 = a1.blend(tb1, HIGH2);
        FloatVector b3 = tb1.blend(a3, HIGH2);
        FloatVector tb4 = a6.blend(a4, HIGH2).rearrange(SWAP2);
        FloatVector b4 = a4.blend(tb4, HIGH2);
        FloatVector b6 = tb4.blend(a6, HIGH2);
        FloatVector tb5 = a7.blend(a5, HIGH2).rearrange(SWAP2);
        FloatVector b5 = a5.blend(tb5, HIGH2);
        FloatVector b7 = tb5.blend(a7, HIGH2);
        FloatVector tc0 = b1.blend(b0, HIGH1).rearrange(SWAP1);
        FloatVector c0 = b0.blend(tc0, HIGH1);
        FloatVector c1 = tc0.blend(b1, HIGH1);
        FloatVector tc2 = b3.blend(b2, HIGH1).rearrange(SWAP1);
        FloatVector c2 = b2.blend(tc2, HIGH1);
        FloatVector c3 = tc2.blend(b3, HIGH1);
        FloatVector tc4 = b5.blend(b4, HIGH1).rearrange(SWAP1);
        FloatVector c4 = b4.blend(tc4, HIGH1);
        FloatVector c5 = tc4.blend(b5, HIGH1);
        FloatVector tc6 = b7.blend(b6, HIGH1).rearrange(SWAP1);
        FloatVector c6 = b6.blend(tc6, HIGH1);
        FloatVector c7 = tc6.blend(b7, HIGH1);
        c0.intoArray(dst, d);
        c1.intoArray(dst, d + width);
        c2.intoArray(dst, d + 2 * width);
        c3.intoArray(dst, d + 3 * width);
        c4.intoArray(dst, d + 4 * width);
        c5.intoArray(dst, d + 5 * width);
        c6.intoArray(dst, d + 6 * width);
        c7.intoArray(dst, d + 7 * width);
    }

    /**
     * ap holds MR-tall slivers from {@code at}, each step {@link #AS} floats: ap[at + sliverAt(ir, kc) +
     * p * AS + r] = op(A)[ic + ir + r, pc + p] for r < MR, zero past m (a step's padding past MR holds
     * the next rows of A or is left as it was: no tile reads it).
     */
    private static void packA(GemmArgs g, float[] ap, int at, int ic, int mc, int pc, int kc) {
        float[] a = g.a();
        int lda = g.lda();
        int aOff = g.aOff();
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = at + sliverAt(ir, kc);
            if (mr < MR) {
                Arrays.fill(ap, dst, dst + kc * AS, 0f);
            }
            if (!g.transA()) {
                // The 6-row tile's step is 8 floats: where A has two more rows below the sliver, they
                // fill the step's padding (which no tile reads), so that the 8 x 8 register transposes
                // take the sliver. One thread at 256 bits: NT:128x256x512 0.967x, NN:512x512x512
                // 0.980x, NN:128x512x256 0.981x, NT:128x512x784 0.983x (Zen 5, interleaved in one JVM).
                int rows = AS > MR && mr == MR && ic + ir + AS <= g.m() ? AS : mr;
                transposeRows(a, aOff + (ic + ir) * lda + pc, lda, rows, kc, ap, dst, AS);
            } else {
                // op(A)'s column p is a stored row: the sliver's mr values are adjacent
                int src = aOff + pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda, dst += AS) {
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            }
        }
    }

    /**
     * C[row:row+mr, col:col+nr] = (first ? beta * C : C) + alpha * t (row stride ldt), where beta == 0
     * never reads C.
     * Whole vectors use lanewise mul/add, the ragged right edge and a transposed C the same float
     * operations in scalar code, so every element gets the same bits wherever it sits.
     */
    private static void update(GemmArgs g, float[] t, int ldt, int row, int mr, int col, int nr, boolean first) {
        float[] c = g.c();
        float alpha = g.alpha();
        float beta = first ? g.beta() : 1f;
        if (g.transC()) {
            // Column j of this C is a row of the caller's: its mr elements are adjacent there. Scalar:
            // gathering them with 256-bit vectors beside the 512-bit ones made C2 see two vector
            // classes at the Vector API's shared call sites, and stores elsewhere in the kernel fell
            // back to Java loops (a training step ran 2x slower).
            int ldc = g.ldc();
            int at = g.cOff() + col * ldc + row;
            if (mr == 8) {
                updateTransposed8(c, at, ldc, t, ldt, nr, alpha, beta);
                return;
            }
            for (int j = 0; j < nr; j++, at += ldc) {
                for (int r = 0, src = j; r < mr; r++, src += ldt) {
                    c[at + r] = combine(c[at + r], t[src] * alpha, beta);
                }
            }
            return;
        }
        int full = nr / L * L;
        for (int r = 0; r < mr; r++) {
            int src = r * ldt;
            int at = g.cOff() + (row + r) * g.ldc() + col;
            for (int j = 0; j < full; j += L) {
                FloatVector scaled = FloatVector.fromArray(S, t, src + j).mul(alpha);
                if (beta == 0f) {
                    scaled.intoArray(c, at + j);
                } else if (beta == 1f) {
                    FloatVector.fromArray(S, c, at + j).add(scaled).intoArray(c, at + j);
                } else {
                    FloatVector.fromArray(S, c, at + j).mul(beta).add(scaled).intoArray(c, at + j);
                }
            }
            if (full < nr && alpha == 1f && beta == 0f) {
                // alpha 1, beta 0: the element is t's, so the ragged edge is a copy (the narrow path's
                // 10-wide C, the edge sliver of 84 columns: NN:64x84x10 1.45-1.53 -> 1.30-1.39 us,
                // NT:64x10x84 1.91-1.93 -> 1.85-1.86, alternated JVMs on Zen 5)
                System.arraycopy(t, src + full, c, at + full, nr - full);
                continue;
            }
            for (int j = full; j < nr; j++) {
                c[at + j] = combine(c[at + j], t[src + j] * alpha, beta);
            }
        }
    }

    /**
     * The transposed update of an 8-row tile: each of its nr columns is 8 adjacent floats of C. With
     * the two common scalars (alpha 1, beta 0 or 1) spelled out for 8 rows, C2 compiles straight-line
     * copies or adds; the general loop with {@link #combine} per element, an 8-trip inner loop, took
     * 15% of NT:128x512x784 (computed swapped, two kc blocks), this 8-10% (Zen 5, 2 threads: 388-407
     * -> 367-386 us, alternated JVMs). A 16-lane gather from t and scatter into C was no faster.
     */
    private static void updateTransposed8(float[] c, int at, int ldc, float[] t, int ldt, int nr, float alpha,
                                          float beta) {
        if (alpha == 1f && beta == 0f) {
            for (int j = 0; j < nr; j++, at += ldc) {
                c[at] = t[j];
                c[at + 1] = t[j + ldt];
                c[at + 2] = t[j + 2 * ldt];
                c[at + 3] = t[j + 3 * ldt];
                c[at + 4] = t[j + 4 * ldt];
                c[at + 5] = t[j + 5 * ldt];
                c[at + 6] = t[j + 6 * ldt];
                c[at + 7] = t[j + 7 * ldt];
            }
        } else if (alpha == 1f && beta == 1f) {
            for (int j = 0; j < nr; j++, at += ldc) {
                c[at] += t[j];
                c[at + 1] += t[j + ldt];
                c[at + 2] += t[j + 2 * ldt];
                c[at + 3] += t[j + 3 * ldt];
                c[at + 4] += t[j + 4 * ldt];
                c[at + 5] += t[j + 5 * ldt];
                c[at + 6] += t[j + 6 * ldt];
                c[at + 7] += t[j + 7 * ldt];
            }
        } else {
            for (int j = 0; j < nr; j++, at += ldc) {
                for (int r = 0, src = j; r < 8; r++, src += ldt) {
                    c[at + r] = combine(c[at + r], t[src] * alpha, beta);
                }
            }
        }
    }

    /** One element's update, as the vector lanes do it: scaled, C + scaled, or C * beta + scaled. */
    private static float combine(float old, float scaled, float beta) {
        if (beta == 0f) {
            return scaled;
        } else if (beta == 1f) {
            return old + scaled;
        }
        return old * beta + scaled;
    }
}

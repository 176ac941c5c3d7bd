package dev.flint.cpu.gemm;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API GEMM kernel, loaded only through {@link VectorSupport} once it has seen
 * {@code jdk.incubator.vector} in the boot layer. It follows the BLIS/GotoBLAS layout: B is packed
 * into a kc x nc panel of NR-column slivers, A into an mc x kc block of MR-row slivers, and a
 * register-blocked micro-kernel keeps an MR x NR tile of C in FloatVector accumulators for the
 * whole kc loop, so each fma costs at most one broadcast of a packed A value and a share of the
 * NR / L loads of packed B.
 *
 * <p>The tile is 8 x 3 vectors (24 accumulators) where vectors are 512 bits (32 registers), and
 * 6 x 2 vectors (12 accumulators) on 256-bit machines (16 registers), so that neither spills.
 * Loop order: an A sliver (MR x kc) stays in L1 while the B slivers of the panel stream by.
 *
 * <p>Per C element the arithmetic is a chain of fmas in k order, then one alpha/beta update per kc
 * block, independent of where the tile sits, so the result does not depend on how C was split
 * between threads.
 */
final class VectorKernel implements Kernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** 512-bit vectors: 32 registers, so the larger tile. */
    private static final boolean WIDE = L >= 16;
    /** Rows of the register tile. */
    static final int MR = WIDE ? 8 : 6;
    /** Vectors across the register tile. */
    private static final int NV = WIDE ? 3 : 2;
    /** Columns of the register tile. */
    static final int NR = NV * L;
    /**
     * Depth of a packed block: an A sliver (8 x 512 floats, 16 KiB) stays in L1, and C is read and
     * written once per 512 steps of k. Measured on Zen 5: 512 beats 256 by about 8%.
     */
    static final int KC = 512;
    /** Rows of a packed A block (a multiple of both tile heights): 96 x 512 floats, 192 KiB, in L2. */
    static final int MC = 96;
    /** Rows of B^T transposed per block while packing: 64 x 48 floats, 12 KiB, stay in L1. */
    static final int TRANSPOSE_ROWS = 64;
    /**
     * Up to this many rows of C, a product with B transposed is done as dot products of rows of A
     * and rows of B (both contiguous along k): packing B would transpose all of it, which costs
     * more than the few rows of work it serves (1 x 128 x 784: 70 us packed, 8 us dotted; the two
     * break even near 8 rows).
     */
    static final int DOT_ROWS = 8;
    /**
     * Up to this many columns of C (a classifier head: 128 x 10, k = 256), a product with B
     * transposed is done as dot products too: packing all of A for a sliver that is mostly zero
     * padding costs more than the product (measured on Zen 5: 26 us packed, see MlpShapeProbe).
     */
    static final int DOT_COLS = 16;
    /** Up to this many rows of C, full B slivers are read in place instead of packed. */
    static final int DIRECT_B_ROWS = 32;
    /** Columns of a packed B panel (3 MiB at 8 x 48 tiles): streamed from L3, measured best. */
    static final int NC = 32 * NR;

    /**
     * Per thread: [0] the packed A block, [1] the packed B panel, grown on demand and never shrunk;
     * [2] one MR x NR tile on its way to C.
     */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(
            () -> new float[][] {new float[0], new float[0], new float[MR * NR]});

    private VectorKernel() {
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
     * When B is not transposed: packing it is a vector copy, packing A a scalar interleave, so
     * each thread should pack only its own rows of A and all of B.
     */
    @Override
    public boolean prefersRowSplit(GemmArgs g) {
        return !g.transB();
    }

    @Override
    public String name() {
        return "Vector API";
    }

    @Override
    public void compute(GemmArgs g, int i0, int i1, int j0, int j1) {
        if (g.transB() && (g.m() <= DOT_ROWS || g.n() <= DOT_COLS)) {
            // decided on the whole call's m, never on the block, so every thread count takes it
            dotProducts(g, i0, i1, j0, j1);
            return;
        }
        int k = g.k();
        int kcMax = Math.min(KC, k);
        int ncMax = roundUp(Math.min(NC, j1 - j0), NR);
        int mcMax = roundUp(Math.min(MC, i1 - i0), MR);
        // With few rows each B value is used by one or two row slivers only, so copying B costs more
        // than it saves: full slivers are read in place (row stride ldb), only the ragged edge is packed.
        boolean direct = !g.transB() && i1 - i0 <= DIRECT_B_ROWS;
        float[][] buffers = BUFFERS.get();
        grow(buffers, 0, mcMax * kcMax, MC * KC);
        grow(buffers, 1, (direct ? NR : ncMax) * kcMax, NC * KC);
        float[] ap = buffers[0];
        float[] bp = buffers[1];
        float[] t = buffers[2];
        float[] b = g.b();
        int ldb = g.ldb();
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int fullCols = nc / NR * NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                if (!direct) {
                    packB(g, bp, pc, kc, jc, nc);
                } else if (fullCols < nc) {
                    packB(g, bp, pc, kc, jc + fullCols, nc - fullCols);
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(g, ap, ic, mc, pc, kc);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        for (int jr = 0; jr < nc; jr += NR) {
                            float[] src = bp;
                            int bIdx = jr * kc;
                            int bStride = NR;
                            if (direct) {
                                if (jr < fullCols) {
                                    src = b;
                                    bIdx = g.bOff() + pc * ldb + jc + jr;
                                    bStride = ldb;
                                } else {
                                    bIdx = 0;
                                }
                            }
                            int nr = Math.min(NR, nc - jr);
                            tile(ap, ir * kc, src, bIdx, bStride, kc, t, nr);
                            update(g, t, ic + ir, mr, jc + jr, nr, first);
                        }
                    }
                }
            }
        }
    }

    /** The register tile for a sliver nr columns wide: a narrow edge gets a narrow tile. */
    private static void tile(float[] ap, int aIdx, float[] bp, int bIdx, int bStride, int kc, float[] t, int nr) {
        if (WIDE) {
            if (nr > 2 * L) {
                tile8x3(ap, aIdx, bp, bIdx, bStride, kc, t);
            } else if (nr > L) {
                tile8x2(ap, aIdx, bp, bIdx, bStride, kc, t);
            } else {
                tile8x1(ap, aIdx, bp, bIdx, bStride, kc, t);
            }
        } else if (nr > L) {
            tile6x2(ap, aIdx, bp, bIdx, bStride, kc, t);
        } else {
            tile6x1(ap, aIdx, bp, bIdx, bStride, kc, t);
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
            int cRow = g.cOff() + i * g.ldc();
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
                float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
                for (; p < k; p++) {
                    sum = Math.fma(row[rowOff + p], b[bRow + p], sum);
                }
                float scaled = sum * alpha;
                if (beta == 0f) {
                    c[cRow + j] = scaled;
                } else if (beta == 1f) {
                    c[cRow + j] = c[cRow + j] + scaled;
                } else {
                    c[cRow + j] = c[cRow + j] * beta + scaled;
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

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** bp holds NR-wide slivers: bp[jr * kc + p * NR + j] = op(B)[pc + p, jc + jr + j], zero past n. */
    private static void packB(GemmArgs g, float[] bp, int pc, int kc, int jc, int nc) {
        float[] b = g.b();
        int ldb = g.ldb();
        int bOff = g.bOff();
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = jr * kc;
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
     * dst[d + p * width + r] = src[s + r * ld + p] for r < rows, p < kc: rows of the source become
     * columns of the destination. Four source rows at a time, so each step writes four adjacent
     * floats (measured on Zen 5: about 1.7x faster than one row at a time, which writes one float
     * per destination row).
     */
    private static void transposeRows(float[] src, int s, int ld, int rows, int kc, float[] dst, int d, int width) {
        int r = 0;
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

    /** ap holds MR-tall slivers: ap[ir * kc + p * MR + r] = op(A)[ic + ir + r, pc + p], zero past m. */
    private static void packA(GemmArgs g, float[] ap, int ic, int mc, int pc, int kc) {
        float[] a = g.a();
        int lda = g.lda();
        int aOff = g.aOff();
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (mr < MR) {
                Arrays.fill(ap, dst, dst + kc * MR, 0f);
            }
            if (!g.transA()) {
                transposeRows(a, aOff + (ic + ir) * lda + pc, lda, mr, kc, ap, dst, MR);
            } else {
                // op(A)'s column p is a stored row: the sliver's mr values are adjacent
                int src = aOff + pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            }
        }
    }

    /**
     * The 8 x 3-vector register tile: the fma chain over kc, parked in t (row stride NR) for
     * {@link #update}. Row p of the B sliver starts at {@code bp[bIdx + p * bStride]}.
     */
    private static void tile8x3(float[] ap, int aIdx, float[] bp, int bIdx, int bStride, int kc,
                                  float[] t) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        FloatVector c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = aIdx + p * 8;
            int bi = bIdx + p * bStride;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            c62 = a6.fma(b2, c62);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            c72 = a7.fma(b2, c72);
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c02.intoArray(t, 2 * L);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + L);
        c12.intoArray(t, 1 * NR + 2 * L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c22.intoArray(t, 2 * NR + 2 * L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c32.intoArray(t, 3 * NR + 2 * L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c42.intoArray(t, 4 * NR + 2 * L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        c52.intoArray(t, 5 * NR + 2 * L);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + L);
        c62.intoArray(t, 6 * NR + 2 * L);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + L);
        c72.intoArray(t, 7 * NR + 2 * L);
    }

    /**
     * The 8 x 2-vector register tile: the fma chain over kc, parked in t (row stride NR) for
     * {@link #update}. Row p of the B sliver starts at {@code bp[bIdx + p * bStride]}.
     */
    private static void tile8x2(float[] ap, int aIdx, float[] bp, int bIdx, int bStride, int kc,
                                  float[] t) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = aIdx + p * 8;
            int bi = bIdx + p * bStride;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + L);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + L);
    }

    /**
     * The 8 x 1-vector register tile: the fma chain over kc, parked in t (row stride NR) for
     * {@link #update}. Row p of the B sliver starts at {@code bp[bIdx + p * bStride]}.
     */
    private static void tile8x1(float[] ap, int aIdx, float[] bp, int bIdx, int bStride, int kc,
                                  float[] t) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = aIdx + p * 8;
            int bi = bIdx + p * bStride;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
        }
        c00.intoArray(t, 0);
        c10.intoArray(t, 1 * NR);
        c20.intoArray(t, 2 * NR);
        c30.intoArray(t, 3 * NR);
        c40.intoArray(t, 4 * NR);
        c50.intoArray(t, 5 * NR);
        c60.intoArray(t, 6 * NR);
        c70.intoArray(t, 7 * NR);
    }

    /**
     * The 6 x 2-vector register tile: the fma chain over kc, parked in t (row stride NR) for
     * {@link #update}. Row p of the B sliver starts at {@code bp[bIdx + p * bStride]}.
     */
    private static void tile6x2(float[] ap, int aIdx, float[] bp, int bIdx, int bStride, int kc,
                                  float[] t) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = aIdx + p * 6;
            int bi = bIdx + p * bStride;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
    }

    /**
     * The 6 x 1-vector register tile: the fma chain over kc, parked in t (row stride NR) for
     * {@link #update}. Row p of the B sliver starts at {@code bp[bIdx + p * bStride]}.
     */
    private static void tile6x1(float[] ap, int aIdx, float[] bp, int bIdx, int bStride, int kc,
                                  float[] t) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = aIdx + p * 6;
            int bi = bIdx + p * bStride;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
        }
        c00.intoArray(t, 0);
        c10.intoArray(t, 1 * NR);
        c20.intoArray(t, 2 * NR);
        c30.intoArray(t, 3 * NR);
        c40.intoArray(t, 4 * NR);
        c50.intoArray(t, 5 * NR);
    }

    /**
     * C[row:row+mr, col:col+nr] = (first ? beta * C : C) + alpha * t, where beta == 0 never reads C.
     * Whole vectors use lanewise mul/add, the ragged right edge the same float operations in scalar
     * code, so every element gets the same bits wherever it sits.
     */
    private static void update(GemmArgs g, float[] t, int row, int mr, int col, int nr, boolean first) {
        float[] c = g.c();
        int ldc = g.ldc();
        float alpha = g.alpha();
        float beta = first ? g.beta() : 1f;
        int full = nr / L * L;
        for (int r = 0; r < mr; r++) {
            int at = g.cOff() + (row + r) * ldc + col;
            int src = r * NR;
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
            for (int j = full; j < nr; j++) {
                float scaled = t[src + j] * alpha;
                if (beta == 0f) {
                    c[at + j] = scaled;
                } else if (beta == 1f) {
                    c[at + j] = c[at + j] + scaled;
                } else {
                    c[at + j] = c[at + j] * beta + scaled;
                }
            }
        }
    }
}

package dev.flint.cpu.gemm;

import java.util.Arrays;

/**
 * The plain-Java GEMM kernel, always available. C2 (JDK 17) auto-vectorizes
 * {@code acc[j] += a * b[j]} only when both arrays are indexed by the same {@code j}; with an offset
 * on one side ({@code panel[base + j]}) it cannot rule out aliasing and stays scalar, about 6x
 * slower. So each row of a packed B panel is its own {@code float[]}, and the inner loop adds four
 * rows of the panel at once ({@code acc[j] + a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]}), which
 * quarters the load/store traffic on the accumulator row. Four is the measured optimum: eight, or
 * two C rows at once, make C2 give up on vectorizing the loop.
 *
 * <p>Per C element the summation order depends on k only (blocks of {@link #KC}, groups of four,
 * Java's left-to-right float adds with no fusing), so any split into output blocks gives the same
 * bits.
 */
final class PlainKernel implements Kernel {

    static final PlainKernel INSTANCE = new PlainKernel();

    /** Depth of one packed panel: 256 rows of B keep a panel (256 x 512 floats, 512 KiB) in L2. */
    static final int KC = 256;
    /** Width of one packed panel; long rows amortize the loop overhead of the inner loop. */
    static final int NC = 512;

    /**
     * Up to this many rows of C (A not transposed, B transposed), C[i, j] is a dot product of two
     * contiguous rows: packing B would transpose all of it for one or two rows of work. C2 keeps a
     * float reduction scalar, so eight independent sums stand in for SIMD lanes (1 x 128 x 784:
     * 76 us packed, about half that dotted).
     */
    static final int DOT_ROWS = 2;

    /** Per thread: the panel rows, then one accumulator row; grown on demand, never shrunk. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[KC + 1][0]);

    private PlainKernel() {
    }

    @Override
    public int columnAlign() {
        return 64;
    }

    @Override
    public int rowAlign() {
        return 1;
    }

    /** Never: this kernel packs only B, so a split by columns copies nothing twice. */
    @Override
    public boolean prefersRowSplit(GemmArgs g, int threads) {
        return false;
    }

    @Override
    public String name() {
        return "plain Java";
    }

    @Override
    public void compute(GemmArgs g, int i0, int i1, int j0, int j1) {
        if (g.transB() && !g.transA() && g.m() <= DOT_ROWS) {
            // decided on the whole call's m, never on the block, so every thread count takes it
            dotProducts(g, i0, i1, j0, j1);
            return;
        }
        int k = g.k();
        int width = Math.min(NC, j1 - j0);
        float[][] buffers = BUFFERS.get();
        int depth = Math.min(KC, k);
        for (int r = 0; r <= depth; r++) {
            if (buffers[r].length < width) {
                buffers[r] = new float[Math.max(width, Math.min(NC, 2 * buffers[r].length))];
            }
        }
        float[] acc = buffers[depth];
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(g, buffers, pc, kc, jc, nc);
                for (int i = i0; i < i1; i++) {
                    rowTimesPanel(g, i, pc, kc, buffers, nc, acc);
                    store(g, i, jc, nc, acc, pc == 0);
                }
            }
        }
    }

    /** C[i, j] = alpha * dot(A[i, :], B[j, :]) + beta * C[i, j]: eight partial sums, then a fixed tree. */
    private static void dotProducts(GemmArgs g, int i0, int i1, int j0, int j1) {
        int k = g.k();
        float[] a = g.a();
        float[] b = g.b();
        float[] c = g.c();
        float alpha = g.alpha();
        float beta = g.beta();
        for (int i = i0; i < i1; i++) {
            int ar = g.aOff() + i * g.lda();
            int cRow = g.cOff() + i * g.ldc();
            for (int j = j0; j < j1; j++) {
                int br = g.bOff() + j * g.ldb();
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                float s4 = 0f;
                float s5 = 0f;
                float s6 = 0f;
                float s7 = 0f;
                int p = 0;
                for (; p + 7 < k; p += 8) {
                    s0 += a[ar + p] * b[br + p];
                    s1 += a[ar + p + 1] * b[br + p + 1];
                    s2 += a[ar + p + 2] * b[br + p + 2];
                    s3 += a[ar + p + 3] * b[br + p + 3];
                    s4 += a[ar + p + 4] * b[br + p + 4];
                    s5 += a[ar + p + 5] * b[br + p + 5];
                    s6 += a[ar + p + 6] * b[br + p + 6];
                    s7 += a[ar + p + 7] * b[br + p + 7];
                }
                for (; p < k; p++) {
                    s0 += a[ar + p] * b[br + p];
                }
                float scaled = (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) * alpha;
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

    /** panel[p][j] = op(B)[pc + p, jc + j]. */
    private static void packB(GemmArgs g, float[][] panel, int pc, int kc, int jc, int nc) {
        float[] b = g.b();
        int ldb = g.ldb();
        if (!g.transB()) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, g.bOff() + (pc + p) * ldb + jc, panel[p], 0, nc);
            }
        } else {
            // a transpose: blocks of 16 panel rows and 64 columns keep the written lines in L1
            for (int p0 = 0; p0 < kc; p0 += 16) {
                int p1 = Math.min(kc, p0 + 16);
                for (int j0 = 0; j0 < nc; j0 += 64) {
                    int j1 = Math.min(nc, j0 + 64);
                    for (int j = j0; j < j1; j++) {
                        int src = g.bOff() + (jc + j) * ldb + pc;
                        for (int p = p0; p < p1; p++) {
                            panel[p][j] = b[src + p];
                        }
                    }
                }
            }
        }
    }

    /** acc[0:nc] = op(A)[i, pc:pc+kc] * panel. */
    private static void rowTimesPanel(GemmArgs g, int i, int pc, int kc, float[][] panel, int nc, float[] acc) {
        Arrays.fill(acc, 0, nc, 0f);
        float[] a = g.a();
        int at;
        int step;
        if (g.transA()) {
            at = g.aOff() + pc * g.lda() + i;
            step = g.lda();
        } else {
            at = g.aOff() + i * g.lda() + pc;
            step = 1;
        }
        int p = 0;
        for (; p + 3 < kc; p += 4, at += 4 * step) {
            float a0 = a[at];
            float a1 = a[at + step];
            float a2 = a[at + 2 * step];
            float a3 = a[at + 3 * step];
            float[] b0 = panel[p];
            float[] b1 = panel[p + 1];
            float[] b2 = panel[p + 2];
            float[] b3 = panel[p + 3];
            for (int j = 0; j < nc; j++) {
                acc[j] = acc[j] + a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
            }
        }
        for (; p < kc; p++, at += step) {
            float a0 = a[at];
            float[] b0 = panel[p];
            for (int j = 0; j < nc; j++) {
                acc[j] += a0 * b0[j];
            }
        }
    }
    /** C[i, jc:jc+nc] = (first ? beta * C : C) + alpha * acc, with beta == 0 ignoring C. */
    static void store(GemmArgs g, int i, int jc, int nc, float[] acc, boolean first) {
        float[] c = g.c();
        int row = g.cOff() + i * g.ldc() + jc;
        float alpha = g.alpha();
        float beta = g.beta();
        if (!first || beta == 1f) {
            for (int j = 0; j < nc; j++) {
                c[row + j] += alpha * acc[j];
            }
        } else if (beta == 0f) {
            for (int j = 0; j < nc; j++) {
                c[row + j] = alpha * acc[j];
            }
        } else {
            for (int j = 0; j < nc; j++) {
                c[row + j] = beta * c[row + j] + alpha * acc[j];
            }
        }
    }
}

package dev.flint.cpu.gemm;

import java.util.Arrays;

/**
 * The plain-Java GEMM kernel, always available. B is packed into a kc x nc panel so that the inner
 * loop is a unit-stride {@code acc[j] += a * panel[base + j]} that C2 turns into SIMD code; the
 * accumulator row stays in L1 and the panel in L2.
 */
final class PlainKernel implements Kernel {

    static final PlainKernel INSTANCE = new PlainKernel();

    /** Depth of one packed panel: 256 rows of B keep a panel (256 x 512 floats, 512 KiB) in L2. */
    static final int KC = 256;
    /** Width of one packed panel; also the column granule handed to threads. */
    static final int NC = 512;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[2][]);

    private PlainKernel() {
    }

    @Override
    public int columnAlign() {
        return 64;
    }

    @Override
    public int rowAlign() {
        return 4;
    }

    @Override
    public String name() {
        return "plain Java";
    }

    @Override
    public void compute(GemmArgs g, int i0, int i1, int j0, int j1) {
        int k = g.k();
        int panelCols = Math.min(NC, j1 - j0);
        float[][] buffers = BUFFERS.get();
        float[] panel = buffer(buffers, 0, Math.min(KC, k) * panelCols);
        float[] acc = buffer(buffers, 1, panelCols);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(g, panel, pc, kc, jc, nc);
                for (int i = i0; i < i1; i++) {
                    rowTimesPanel(g, i, pc, kc, panel, nc, acc);
                    store(g, i, jc, nc, acc, pc == 0);
                }
            }
        }
    }

    static float[] buffer(float[][] buffers, int slot, int size) {
        float[] buf = buffers[slot];
        if (buf == null || buf.length < size) {
            buf = new float[size];
            buffers[slot] = buf;
        }
        return buf;
    }

    /** panel[p * nc + j] = op(B)[pc + p, jc + j]. */
    static void packB(GemmArgs g, float[] panel, int pc, int kc, int jc, int nc) {
        float[] b = g.b();
        int ldb = g.ldb();
        if (!g.transB()) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, g.bOff() + (pc + p) * ldb + jc, panel, p * nc, nc);
            }
        } else {
            for (int j = 0; j < nc; j++) {
                int src = g.bOff() + (jc + j) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    panel[p * nc + j] = b[src + p];
                }
            }
        }
    }

    /** acc[0:nc] = op(A)[i, pc:pc+kc] * panel. */
    private static void rowTimesPanel(GemmArgs g, int i, int pc, int kc, float[] panel, int nc, float[] acc) {
        Arrays.fill(acc, 0, nc, 0f);
        float[] a = g.a();
        int aIdx;
        int aStep;
        if (g.transA()) {
            aIdx = g.aOff() + pc * g.lda() + i;
            aStep = g.lda();
        } else {
            aIdx = g.aOff() + i * g.lda() + pc;
            aStep = 1;
        }
        for (int p = 0; p < kc; p++, aIdx += aStep) {
            float av = a[aIdx];
            int base = p * nc;
            for (int j = 0; j < nc; j++) {
                acc[j] += av * panel[base + j];
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

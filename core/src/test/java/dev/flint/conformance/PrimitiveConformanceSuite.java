package dev.flint.conformance;

import static dev.flint.backend.Primitive.ADAM_UPDATE;
import static dev.flint.backend.Primitive.ALLOCATE;
import static dev.flint.backend.Primitive.ARGMAX;
import static dev.flint.backend.Primitive.ATTENTION_BACKWARD;
import static dev.flint.backend.Primitive.ATTENTION_FORWARD;
import static dev.flint.backend.Primitive.AVG_POOL2D_BACKWARD;
import static dev.flint.backend.Primitive.AVG_POOL2D_FORWARD;
import static dev.flint.backend.Primitive.BATCH_NORM_BACKWARD;
import static dev.flint.backend.Primitive.BATCH_NORM_FORWARD;
import static dev.flint.backend.Primitive.BINARY;
import static dev.flint.backend.Primitive.CAST;
import static dev.flint.backend.Primitive.CONV2D_BACKWARD_DATA;
import static dev.flint.backend.Primitive.CONV2D_BACKWARD_WEIGHT;
import static dev.flint.backend.Primitive.CONV2D_FORWARD;
import static dev.flint.backend.Primitive.COPY_BLOCKS;
import static dev.flint.backend.Primitive.DOWNLOAD;
import static dev.flint.backend.Primitive.FILL;
import static dev.flint.backend.Primitive.GATHER_ROWS;
import static dev.flint.backend.Primitive.GEMM;
import static dev.flint.backend.Primitive.LAYER_NORM_BACKWARD;
import static dev.flint.backend.Primitive.LAYER_NORM_FORWARD;
import static dev.flint.backend.Primitive.MAX_POOL2D_BACKWARD;
import static dev.flint.backend.Primitive.MAX_POOL2D_FORWARD;
import static dev.flint.backend.Primitive.ONE_HOT;
import static dev.flint.backend.Primitive.PERMUTE;
import static dev.flint.backend.Primitive.REDUCE;
import static dev.flint.backend.Primitive.SCATTER_ADD_ROWS;
import static dev.flint.backend.Primitive.SGD_UPDATE;
import static dev.flint.backend.Primitive.SOFTMAX_BACKWARD;
import static dev.flint.backend.Primitive.SOFTMAX_CROSS_ENTROPY_BACKWARD;
import static dev.flint.backend.Primitive.SOFTMAX_CROSS_ENTROPY_FORWARD;
import static dev.flint.backend.Primitive.SOFTMAX_FORWARD;
import static dev.flint.backend.Primitive.UNARY;
import static dev.flint.backend.Primitive.UNARY_BACKWARD;
import static dev.flint.backend.Primitive.UPLOAD;
import static dev.flint.conformance.Tolerance.FLOAT_EPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.AdamParams;
import dev.flint.backend.Attention;
import dev.flint.backend.Backend;
import dev.flint.backend.BatchNormParams;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ConvGeometry;
import dev.flint.backend.DType;
import dev.flint.backend.Gemm;
import dev.flint.backend.PoolGeometry;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.SgdParams;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every {@link dev.flint.backend.Primitive} of a backend against the float64 {@link Reference}. A backend
 * module runs it by subclassing:
 *
 * <pre>{@code
 * class CpuPrimitiveConformanceTest extends PrimitiveConformanceSuite {
 *     @Override
 *     protected Backend backend() { return Backends.get("cpu"); }
 * }
 * }</pre>
 *
 * <p>What every test also checks, beyond the values:
 * <ul>
 *   <li>outputs are fully overwritten: they start as NaN (or -99 for INT32), so an element the backend
 *       forgets shows up as NaN;</li>
 *   <li>nothing is written past the sizes given: outputs are followed by guard elements that must keep
 *       their sentinel value;</li>
 *   <li>inputs are not modified (scratch use of an input buffer is a bug the next op would inherit).</li>
 * </ul>
 * <p>A backend that may be absent skips instead of failing: its {@code backend()} calls
 * {@code Assumptions.assumeTrue(available, reason)} first (it runs in a {@code @BeforeEach}), and its
 * subclass carries {@code @Tag("cuda")} where the build selects GPU tests by tag.
 *
 * <p>Inputs come from a {@link Random} seeded per test, so a failure reproduces exactly. Tolerances are
 * {@code atol + rtol * scale} per element (see {@link Tolerance}); sums are judged against the sum of the
 * absolute values of their terms, scaled with {@code sqrt(terms)}.
 */
public abstract class PrimitiveConformanceSuite {

    /** Guard elements after each output buffer. */
    private static final int GUARD = 5;
    private static final float SENTINEL = -7777.25f;
    private static final int INT_SENTINEL = -7777;
    /** What an INT32 output holds before the primitive runs (float outputs hold NaN): never a valid index. */
    private static final int INT_UNWRITTEN = -99;

    private static final Tolerance TRANSCENDENTAL = new Tolerance(1e-37, 8 * FLOAT_EPS);
    private static final Tolerance POW_TOLERANCE = new Tolerance(1e-37, 16 * FLOAT_EPS);
    /** Sigmoid and tanh: a few roundings, plus the absolute error of e^x-based formulas near 0. */
    private static final Tolerance SQUASH = new Tolerance(2e-7, 8 * FLOAT_EPS);
    private static final Tolerance OPTIMIZER = new Tolerance(1e-7, 8 * FLOAT_EPS);

    private Backend backend;
    private final List<Storage> allocated = new ArrayList<>();
    /** Inputs in the order the test made them, with their contents (float[] or int[]) at upload. */
    private final List<Map.Entry<Storage, Object>> inputs = new ArrayList<>();
    private final Map<Storage, Integer> guarded = new IdentityHashMap<>();

    /** The backend under test; called once per test. */
    protected abstract Backend backend();

    @BeforeEach
    void openBackend() {
        backend = backend();
        assertNotNull(backend, "backend() returned null");
    }

    /** Checks that no test modified an input, then frees everything the test allocated. */
    @AfterEach
    void checkInputsAndRelease() {
        try {
            for (int k = 0; k < inputs.size(); k++) {
                Storage s = inputs.get(k).getKey();
                String what = "input " + (k + 1) + " of " + inputs.size() + " (" + s.dtype()
                        + ") must be left unchanged, but";
                if (inputs.get(k).getValue() instanceof float[] original) {
                    float[] now = new float[original.length];
                    backend.download(s, 0, now, 0, now.length);
                    Approx.assertClose(what, new int[] {original.length}, now, Reference.widen(original),
                            Tolerance.EXACT);
                } else {
                    int[] original = (int[]) inputs.get(k).getValue();
                    int[] now = new int[original.length];
                    backend.download(s, 0, now, 0, now.length);
                    Approx.assertEqualInts(what, new int[] {original.length}, now, original);
                }
            }
        } finally {
            for (Storage s : allocated) {
                s.release();
            }
            allocated.clear();
            inputs.clear();
            guarded.clear();
        }
    }

    // ==================================================================== memory and transfer

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 4096, 1 << 20})
    @Covers(ALLOCATE)
    void allocateGivesIndependentBuffersOfTheRequestedSize(int size) {
        for (DType dtype : DType.values()) {
            Storage a = track(backend.allocate(dtype, size));
            Storage b = track(backend.allocate(dtype, size));
            assertSame(backend, a.backend(), "allocate: storage must name its backend");
            assertEquals(dtype, a.dtype(), "allocate: dtype");
            assertEquals(size, a.size(), "allocate: size");
            assertFalse(a.isReleased(), "allocate: a new buffer is live");
            if (dtype == DType.FLOAT32) {
                backend.fill(a, 0, size, 1.5f);
                backend.fill(b, 0, size, -2f);
                float[] ra = new float[size];
                float[] rb = new float[size];
                backend.download(a, 0, ra, 0, size);
                backend.download(b, 0, rb, 0, size);
                assertEquals(1.5f, ra[size - 1], "allocate: two buffers share memory");
                assertEquals(-2f, rb[0], "allocate: two buffers share memory");
            } else {
                backend.fill(a, 0, size, 3f);
                backend.fill(b, 0, size, -4f);
                int[] ra = new int[size];
                int[] rb = new int[size];
                backend.download(a, 0, ra, 0, size);
                backend.download(b, 0, rb, 0, size);
                assertEquals(3, ra[size - 1], "allocate: two buffers share memory");
                assertEquals(-4, rb[0], "allocate: two buffers share memory");
            }
        }
    }

    @Test
    @Covers(ALLOCATE)
    void storageIsReferenceCounted() {
        Storage s = backend.allocate(DType.FLOAT32, 16);
        s.retain();
        s.release();
        assertFalse(s.isReleased(), "storage: retained once, released once, must still be live");
        s.release();
        assertTrue(s.isReleased(), "storage: the last release must free the buffer");
        s.release();
        assertTrue(s.isReleased(), "storage: extra releases are ignored");
        assertThrows(IllegalStateException.class, s::retain, "storage: retain after free must throw");
    }

    @Test
    @Covers({UPLOAD, DOWNLOAD})
    void floatRoundTripIsBitExact() {
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f, 3.1415927f};
        float[] data = concat(special, uniform(new Random(11), 1000, -1e6f, 1e6f));
        Storage s = track(backend.allocate(DType.FLOAT32, data.length));
        backend.upload(data, 0, s, 0, data.length);
        float[] back = new float[data.length];
        backend.download(s, 0, back, 0, data.length);
        for (int i = 0; i < data.length; i++) {
            if (Float.floatToIntBits(back[i]) != Float.floatToIntBits(data[i])) {
                throw new AssertionError("upload/download [" + data.length + "]: element " + i + " came back as "
                        + back[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(back[i])) + "), sent "
                        + data[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(data[i])) + ")");
            }
        }
    }

    @Test
    @Covers({UPLOAD, DOWNLOAD})
    void intRoundTripIsExact() {
        int[] data = concat(new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 16777217},
                randomInts(new Random(12), 1000, -1_000_000, 1_000_000));
        Storage s = track(backend.allocate(DType.INT32, data.length));
        backend.upload(data, 0, s, 0, data.length);
        int[] back = new int[data.length];
        backend.download(s, 0, back, 0, data.length);
        Approx.assertEqualInts("upload/download int32", new int[] {data.length}, back, data);
    }

    @Test
    @Covers(UPLOAD)
    void uploadWithOffsetsWritesOnlyItsRange() {
        Random rnd = new Random(13);
        float[] base = uniform(rnd, 40, -1, 1);
        float[] src = uniform(rnd, 30, 5, 6);
        Storage s = track(backend.allocate(DType.FLOAT32, base.length));
        backend.upload(base, 0, s, 0, base.length);
        backend.upload(src, 7, s, 11, 17);
        float[] expected = base.clone();
        System.arraycopy(src, 7, expected, 11, 17);
        Approx.assertClose("upload(src, 7, dst, 11, 17)", new int[] {40}, downloadAll(s), Reference.widen(expected),
                Tolerance.EXACT);

        int[] intBase = randomInts(rnd, 40, -100, 100);
        int[] intSrc = randomInts(rnd, 30, 1000, 2000);
        Storage t = track(backend.allocate(DType.INT32, intBase.length));
        backend.upload(intBase, 0, t, 0, intBase.length);
        backend.upload(intSrc, 29, t, 39, 1);
        backend.upload(intSrc, 3, t, 0, 5);
        int[] intExpected = intBase.clone();
        intExpected[39] = intSrc[29];
        System.arraycopy(intSrc, 3, intExpected, 0, 5);
        Approx.assertEqualInts("upload int32 with offsets", new int[] {40}, downloadAllInts(t), intExpected);
    }

    @Test
    @Covers(DOWNLOAD)
    void downloadWithOffsetsWritesOnlyItsRange() {
        Random rnd = new Random(14);
        float[] data = uniform(rnd, 50, -1, 1);
        Storage s = track(backend.allocate(DType.FLOAT32, data.length));
        backend.upload(data, 0, s, 0, data.length);
        float[] host = new float[30];
        Arrays.fill(host, 42f);
        backend.download(s, 13, host, 4, 20);
        float[] expected = new float[30];
        Arrays.fill(expected, 42f);
        System.arraycopy(data, 13, expected, 4, 20);
        Approx.assertClose("download(src, 13, dst, 4, 20)", new int[] {30}, host, Reference.widen(expected),
                Tolerance.EXACT);

        int[] ints = randomInts(rnd, 50, -1000, 1000);
        Storage t = track(backend.allocate(DType.INT32, ints.length));
        backend.upload(ints, 0, t, 0, ints.length);
        int[] intHost = new int[10];
        Arrays.fill(intHost, 7);
        backend.download(t, 49, intHost, 9, 1);
        backend.download(t, 0, intHost, 0, 3);
        int[] intExpected = new int[10];
        Arrays.fill(intExpected, 7);
        intExpected[9] = ints[49];
        System.arraycopy(ints, 0, intExpected, 0, 3);
        Approx.assertEqualInts("download int32 with offsets", new int[] {10}, intHost, intExpected);
    }

    @Test
    @Covers(FILL)
    void fillSetsOnlyItsRange() {
        Random rnd = new Random(15);
        float[] base = uniform(rnd, 64, -1, 1);
        Storage s = track(backend.allocate(DType.FLOAT32, base.length));
        backend.upload(base, 0, s, 0, base.length);
        backend.fill(s, 5, 20, 2.5f);
        backend.fill(s, 63, 1, Float.NaN);
        backend.fill(s, 0, 1, -0f);
        float[] expected = base.clone();
        Arrays.fill(expected, 5, 25, 2.5f);
        expected[63] = Float.NaN;
        expected[0] = -0f;
        Approx.assertClose("fill float32", new int[] {64}, downloadAll(s), Reference.widen(expected), Tolerance.EXACT);

        Storage whole = track(backend.allocate(DType.FLOAT32, 10_007));
        backend.fill(whole, 0, 10_007, -3.25f);
        double[] all = new double[10_007];
        Arrays.fill(all, -3.25);
        Approx.assertClose("fill float32 whole buffer", new int[] {10_007}, downloadAll(whole), all, Tolerance.EXACT);

        int[] intBase = randomInts(rnd, 33, -10, 10);
        Storage t = track(backend.allocate(DType.INT32, intBase.length));
        backend.upload(intBase, 0, t, 0, intBase.length);
        backend.fill(t, 3, 10, -5f);
        backend.fill(t, 32, 1, 123456f);
        int[] intExpected = intBase.clone();
        Arrays.fill(intExpected, 3, 13, -5);
        intExpected[32] = 123456;
        Approx.assertEqualInts("fill int32", new int[] {33}, downloadAllInts(t), intExpected);
    }

    /** One strided block copy: {@code blocks} blocks of {@code blockLength}, strides and offsets on both sides. */
    record CopyCase(int blocks, int blockLength, int srcOffset, int srcStride, int dstOffset, int dstStride) {
        int srcSize() {
            return srcOffset + (blocks - 1) * srcStride + blockLength + 2;
        }

        int dstSize() {
            return dstOffset + (blocks - 1) * dstStride + blockLength + 3;
        }
    }

    static Stream<CopyCase> copyCases() {
        return Stream.of(
                new CopyCase(1, 10, 0, 10, 0, 10),      // one contiguous block
                new CopyCase(4, 3, 2, 5, 1, 3),         // gather strided rows into a packed buffer (slice)
                new CopyCase(3, 4, 0, 4, 2, 9),         // scatter packed rows into a wider one (concat)
                new CopyCase(5, 1, 1, 2, 0, 3),         // single elements
                new CopyCase(6, 7, 0, 7, 0, 7),         // contiguous in several blocks
                new CopyCase(200, 33, 5, 40, 1, 33));   // many blocks
    }

    @ParameterizedTest
    @MethodSource("copyCases")
    @Covers(COPY_BLOCKS)
    void copyBlocksCopiesExactlyTheBlocks(CopyCase c) {
        Random rnd = new Random(16);
        float[] src = uniform(rnd, c.srcSize(), -1, 1);
        float[] dst = uniform(rnd, c.dstSize(), 5, 6);
        Storage s = input(src);
        Storage d = track(backend.allocate(DType.FLOAT32, dst.length));
        backend.upload(dst, 0, d, 0, dst.length);
        backend.copyBlocks(s, c.srcOffset(), c.srcStride(), d, c.dstOffset(), c.dstStride(), c.blocks(),
                c.blockLength());
        Reference.copyBlocks(src, c.srcOffset(), c.srcStride(), dst, c.dstOffset(), c.dstStride(), c.blocks(),
                c.blockLength());
        Approx.assertClose("copyBlocks float32 " + c, new int[] {dst.length}, downloadAll(d), Reference.widen(dst),
                Tolerance.EXACT);

        int[] isrc = randomInts(rnd, c.srcSize(), -1000, 1000);
        int[] idst = randomInts(rnd, c.dstSize(), 5000, 6000);
        Storage is = input(isrc);
        Storage id = track(backend.allocate(DType.INT32, idst.length));
        backend.upload(idst, 0, id, 0, idst.length);
        backend.copyBlocks(is, c.srcOffset(), c.srcStride(), id, c.dstOffset(), c.dstStride(), c.blocks(),
                c.blockLength());
        Reference.copyBlocks(isrc, c.srcOffset(), c.srcStride(), idst, c.dstOffset(), c.dstStride(), c.blocks(),
                c.blockLength());
        Approx.assertEqualInts("copyBlocks int32 " + c, new int[] {idst.length}, downloadAllInts(id), idst);
    }

    /** Source dims and a permutation of their axes. */
    record PermuteCase(int[] dims, int[] perm) {
        @Override
        public String toString() {
            return Arrays.toString(dims) + " by " + Arrays.toString(perm);
        }
    }

    static Stream<PermuteCase> permuteCases() {
        return Stream.of(
                new PermuteCase(new int[] {5}, new int[] {0}),
                new PermuteCase(new int[] {2, 3}, new int[] {1, 0}),
                new PermuteCase(new int[] {1, 1}, new int[] {1, 0}),
                new PermuteCase(new int[] {17, 33}, new int[] {1, 0}),
                new PermuteCase(new int[] {2, 3, 4}, new int[] {0, 1, 2}),
                new PermuteCase(new int[] {4, 1, 3}, new int[] {2, 0, 1}),
                new PermuteCase(new int[] {2, 3, 4, 5}, new int[] {0, 2, 3, 1}),
                new PermuteCase(new int[] {2, 3, 4, 5}, new int[] {3, 1, 0, 2}),
                new PermuteCase(new int[] {3, 4, 5, 2, 2}, new int[] {4, 2, 0, 3, 1}),
                new PermuteCase(new int[] {8, 3, 32, 32}, new int[] {0, 2, 3, 1}));
    }

    @ParameterizedTest
    @MethodSource("permuteCases")
    @Covers(PERMUTE)
    void permuteMovesEveryElement(PermuteCase c) {
        Random rnd = new Random(17);
        int total = Reference.product(c.dims());
        int[] source = Reference.permuteSource(c.dims(), c.perm());
        int[] dstDims = new int[c.dims().length];
        for (int i = 0; i < dstDims.length; i++) {
            dstDims[i] = c.dims()[c.perm()[i]];
        }

        float[] x = uniform(rnd, total, -1, 1);
        Storage y = output(total);
        backend.permute(input(x), c.dims().clone(), c.perm().clone(), y);
        double[] expected = new double[total];
        for (int j = 0; j < total; j++) {
            expected[j] = x[source[j]];
        }
        Approx.assertClose("permute float32 " + c, dstDims, read(y, total), expected, Tolerance.EXACT);

        int[] xi = randomInts(rnd, total, -100_000, 100_000);
        Storage yi = intOutput(total);
        backend.permute(input(xi), c.dims().clone(), c.perm().clone(), yi);
        int[] expectedInts = new int[total];
        for (int j = 0; j < total; j++) {
            expectedInts[j] = xi[source[j]];
        }
        Approx.assertEqualInts("permute int32 " + c, dstDims, readInts(yi, total), expectedInts);
    }

    @Test
    @Covers(CAST)
    void castFloatToIntTruncatesTowardZero() {
        float[] x = concat(new float[] {0f, -0f, 0.5f, -0.5f, 0.999f, -0.999f, 2.7f, -2.7f, 123456.9f, -99999.99f,
            1e6f, -1e6f, 16777216f}, uniform(new Random(18), 1000, -1e5f, 1e5f));
        Storage y = intOutput(x.length);
        backend.cast(input(x), y, x.length);
        int[] expected = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = (int) x[i];
        }
        Approx.assertEqualInts("cast float32 -> int32", new int[] {x.length}, readInts(y, x.length), expected);
    }

    @Test
    @Covers(CAST)
    void castIntToFloatRoundsToNearest() {
        int[] x = concat(new int[] {0, 1, -1, 16777217, -16777217, (1 << 30) + 1, Integer.MAX_VALUE,
            Integer.MIN_VALUE}, randomInts(new Random(19), 1000, -50_000_000, 50_000_000));
        Storage y = output(x.length);
        backend.cast(input(x), y, x.length);
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = (float) x[i];
        }
        Approx.assertClose("cast int32 -> float32", new int[] {x.length}, read(y, x.length), expected,
                Tolerance.EXACT);
    }

    // ==================================================================== GEMM

    /** How the batch entries of A, B and C lie in their buffers. */
    enum Layout {
        /** Back to back from offset 0. */
        PACKED,
        /** Offsets, and gaps between batch entries that must stay untouched. */
        GAPS,
        /** One A for every batch entry (stride 0). */
        SHARED_A,
        /** One B for every batch entry (stride 0). */
        SHARED_B
    }

    /** One GEMM call. */
    record GemmCase(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha, float beta,
                    Layout layout) {
        int aOffset() {
            return layout == Layout.PACKED ? 0 : 2;
        }

        int bOffset() {
            return layout == Layout.PACKED ? 0 : 1;
        }

        int cOffset() {
            return layout == Layout.GAPS ? 3 : 0;
        }

        int strideA() {
            return layout == Layout.SHARED_A ? 0 : m * k + (layout == Layout.GAPS ? 3 : 0);
        }

        int strideB() {
            return layout == Layout.SHARED_B ? 0 : k * n + (layout == Layout.GAPS ? 5 : 0);
        }

        int strideC() {
            return m * n + (layout == Layout.GAPS ? 4 : 0);
        }

        @Override
        public String toString() {
            return String.format("%s%s batch=%d m=%d n=%d k=%d alpha=%s beta=%s %s", transA ? "T" : "N",
                    transB ? "T" : "N", batch, m, n, k, alpha, beta, layout);
        }
    }

    static Stream<GemmCase> gemmCases() {
        List<GemmCase> cases = new ArrayList<>();
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                cases.add(new GemmCase(ta, tb, 1, 1, 1, 1, 1, 0, Layout.PACKED));
                cases.add(new GemmCase(ta, tb, 1, 37, 53, 71, 1, 0, Layout.PACKED));
                cases.add(new GemmCase(ta, tb, 1, 1, 17, 9, 1, 0, Layout.PACKED));     // a row vector times a matrix
                cases.add(new GemmCase(ta, tb, 1, 13, 1, 9, 1, 0, Layout.PACKED));     // matrix times a column
                cases.add(new GemmCase(ta, tb, 1, 5, 7, 1, 1, 0, Layout.PACKED));      // outer product
                cases.add(new GemmCase(ta, tb, 1, 37, 53, 71, -0.75f, 0.5f, Layout.GAPS));
                cases.add(new GemmCase(ta, tb, 3, 4, 6, 5, 1, 0, Layout.PACKED));
                cases.add(new GemmCase(ta, tb, 3, 4, 6, 5, 0.5f, 1, Layout.GAPS));
                cases.add(new GemmCase(ta, tb, 4, 3, 5, 7, 1, 0, Layout.SHARED_A));
                cases.add(new GemmCase(ta, tb, 4, 3, 5, 7, 2, -1, Layout.SHARED_B));
                cases.add(new GemmCase(ta, tb, 1, 130, 150, 260, 1, 0, Layout.PACKED)); // crosses cache blocks
            }
        }
        cases.add(new GemmCase(false, false, 2, 67, 129, 300, 1, 1, Layout.GAPS));
        return cases.stream();
    }

    /**
     * Checks the batch entries of C against the reference (tolerance from the absolute values of the
     * terms) and every other element of C's buffer, including the gaps, for being untouched. With
     * {@code beta == 0}, C starts as NaN: the backend must not read it.
     */
    @ParameterizedTest
    @MethodSource("gemmCases")
    @Covers(GEMM)
    void gemmMatchesReference(GemmCase g) {
        Random rnd = new Random(20);
        int aSize = g.aOffset() + (g.batch() - 1) * g.strideA() + g.m() * g.k() + 1;
        int bSize = g.bOffset() + (g.batch() - 1) * g.strideB() + g.k() * g.n() + 2;
        int cSize = g.cOffset() + (g.batch() - 1) * g.strideC() + g.m() * g.n() + 3;
        float[] a = uniform(rnd, aSize, -1, 1);
        float[] b = uniform(rnd, bSize, -1, 1);
        float[] c0 = g.beta() == 0 ? nans(cSize) : uniform(rnd, cSize, -1, 1);
        Storage c = output(c0);
        backend.gemm(Gemm.of(g.m(), g.n(), g.k()).a(input(a), g.aOffset(), g.strideA(), g.transA()).b(input(b), g.bOffset(), g.strideB(), g.transB()).batch(g.batch()).alpha(g.alpha()).beta(g.beta()).into(c, g.cOffset(), g.strideC()));
        float[] actual = read(c, cSize);

        double[] expected = Reference.widen(c0);
        Reference.gemm(g.transA(), g.transB(), g.batch(), g.m(), g.n(), g.k(), g.alpha(), Reference.widen(a),
                g.aOffset(), g.strideA(), Reference.widen(b), g.bOffset(), g.strideB(), g.beta(), expected,
                g.cOffset(), g.strideC());
        double[] scale = Reference.abs(Reference.widen(c0));
        Reference.gemm(g.transA(), g.transB(), g.batch(), g.m(), g.n(), g.k(), Math.abs(g.alpha()),
                Reference.abs(Reference.widen(a)), g.aOffset(), g.strideA(), Reference.abs(Reference.widen(b)),
                g.bOffset(), g.strideB(), Math.abs(g.beta()), scale, g.cOffset(), g.strideC());

        int mn = g.m() * g.n();
        boolean[] inBatch = new boolean[cSize];
        float[] got = new float[g.batch() * mn];
        double[] want = new double[got.length];
        double[] wantScale = new double[got.length];
        for (int p = 0; p < g.batch(); p++) {
            for (int i = 0; i < mn; i++) {
                int at = g.cOffset() + p * g.strideC() + i;
                inBatch[at] = true;
                got[p * mn + i] = actual[at];
                want[p * mn + i] = expected[at];
                wantScale[p * mn + i] = scale[at];
            }
        }
        Approx.assertClose("gemm " + g, new int[] {g.batch(), g.m(), g.n()}, got, want, wantScale,
                Tolerance.sum(g.k() + 1));
        for (int i = 0; i < cSize; i++) {
            if (!inBatch[i] && Float.floatToIntBits(actual[i]) != Float.floatToIntBits(c0[i])) {
                throw new AssertionError("gemm " + g + ": wrote element " + i + " of C's buffer, which lies outside "
                        + "every batch entry (was " + c0[i] + ", now " + actual[i] + ")");
            }
        }
    }

    // ==================================================================== elementwise

    /** Inputs in the op's natural domain, followed by the special values its javadoc names. */
    private static float[] unaryInputs(UnaryOp op, Random rnd) {
        float[] random = switch (op) {
            case LOG, SQRT -> uniform(rnd, 1037, 1e-3f, 50);
            case RECIPROCAL -> signedAway(rnd, 1037, 1e-2f, 100);
            case EXP -> uniform(rnd, 1037, -20, 20);
            case POW -> uniform(rnd, 1037, 0.05f, 4);
            case RELU, LEAKY_RELU, SIGMOID, TANH -> uniform(rnd, 4099, -6, 6);
            default -> uniform(rnd, 1037, -4, 4);
        };
        float inf = Float.POSITIVE_INFINITY;
        float[] special = switch (op) {
            case EXP -> new float[] {0f, -0f, 88f, 89f, -87f, -110f, inf, -inf};
            case LOG -> new float[] {0f, -1f, 1f, inf, Float.MIN_NORMAL, Float.MAX_VALUE};
            case SQRT -> new float[] {0f, -0f, -1f, 1f, 4f, inf};
            case ABS, NEG -> new float[] {0f, -0f, inf, -inf, Float.MAX_VALUE};
            case SIGN -> new float[] {0f, -3f, 3f, inf, -inf, Float.MIN_VALUE, -1e-30f};
            case RECIPROCAL -> new float[] {0f, -0f, inf, 1f, -4f};
            case SQUARE -> new float[] {0f, -0f, 1e20f, -1e20f, 1e-30f};
            case CLAMP, IN_RANGE -> new float[] {-0.5f, 0.75f, -0.5000001f, 0.7500001f, inf, -inf};
            case RELU, LEAKY_RELU, SIGMOID, TANH ->
                    new float[] {0f, -0f, 100f, -100f, 1e-3f, -1e-3f, 20f, -20f, 1e-20f};
            default -> new float[] {0f, 1f, -1f};
        };
        return concat(special, random);
    }

    /**
     * The op with test values of its parameters (the clamp range, the exponent, the slope, scale and
     * shift); an op with parameters not named here gets -0.5 and 0.75, so a new one is tested unseen.
     */
    static Unary unaryUnderTest(UnaryOp op) {
        return switch (op) {
            case POW -> Unary.pow(2.5f);
            case AFFINE -> Unary.affine(-1.75f, 0.3f);
            case LEAKY_RELU -> Unary.leakyRelu(0.15f);
            default -> switch (op.parameters().size()) {
                case 0 -> Unary.of(op);
                case 1 -> new Unary(op, -0.5f, 0f);
                default -> new Unary(op, -0.5f, 0.75f);
            };
        };
    }

    /**
     * How close each op must be. The ops named here have a tighter bound than the default, which a new
     * op gets unseen: {@link #SQUASH} against {@code |x| + |f(x)|} (see {@link #unaryScale}), right for a
     * function of a few float operations (1 + erf(x), 1 + tanh(x) cancel for large negative x, as in
     * PyTorch's kernels).
     */
    private static Tolerance unaryTolerance(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SIGN, CLAMP, IN_RANGE, RELU -> Tolerance.EXACT;
            case SQUARE, RECIPROCAL, SQRT, LEAKY_RELU -> Tolerance.ROUNDED;
            // Two roundings (product, then sum): judged against |a x| + |b|, see unaryScale.
            case AFFINE -> new Tolerance(0, 2 * Tolerance.ROUNDED.rtol());
            case POW -> POW_TOLERANCE;
            case EXP, LOG -> TRANSCENDENTAL;
            case SIGMOID, TANH -> SQUASH;
            default -> SQUASH;
        };
    }

    /** Ops judged against |expected| alone; every other one against a scale of its own, see unaryScale. */
    private static final Set<UnaryOp> SCALED_BY_RESULT = EnumSet.of(UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SIGN,
            UnaryOp.CLAMP, UnaryOp.IN_RANGE, UnaryOp.RELU, UnaryOp.SQUARE, UnaryOp.RECIPROCAL, UnaryOp.SQRT,
            UnaryOp.LEAKY_RELU, UnaryOp.POW, UnaryOp.EXP, UnaryOp.LOG, UnaryOp.SIGMOID, UnaryOp.TANH);

    /** What an op's error is measured against, where |expected| is not the right scale; null otherwise. */
    private static double[] unaryScale(Unary f, float[] x, double[] expected) {
        if (SCALED_BY_RESULT.contains(f.op())) {
            return null;
        }
        double[] scale = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            scale[i] = f.op() == UnaryOp.AFFINE ? Math.abs((double) f.a() * x[i]) + Math.abs(f.b())
                    : Math.abs(x[i]) + Math.abs(expected[i]);
        }
        return scale;
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    @Covers(UNARY)
    void unaryMatchesReference(UnaryOp op) {
        float[] x = unaryInputs(op, new Random(21));
        Unary f = unaryUnderTest(op);
        int n = x.length;
        Storage y = output(n);
        backend.unary(f, input(x), y, n);
        double[] expected = new double[n];
        Reference.unary(f, Reference.widen(x), expected, n);
        Approx.assertClose("unary " + f, new int[] {n}, read(y, n), expected, unaryScale(f, x, expected),
                unaryTolerance(op));
    }

    @ParameterizedTest
    @ValueSource(floats = {0f, 1f, 2f, 3f, -1f, -2f, 0.5f, -0.5f, 1.5f})
    @Covers(UNARY)
    void unaryPowFollowsMathPow(float exponent) {
        // Negative bases: NaN for fractional exponents, signed results for integral ones (Math.pow).
        float[] x = concat(new float[] {0f, -0f, 1f, -1f, -2f, -0.5f, 3f}, uniform(new Random(22), 500, -3, 3));
        int n = x.length;
        Storage y = output(n);
        backend.unary(Unary.pow(exponent), input(x), y, n);
        double[] expected = new double[n];
        Reference.unary(Unary.pow(exponent), Reference.widen(x), expected, n);
        Approx.assertClose("unary pow(exponent=" + exponent + ")", new int[] {n}, read(y, n), expected, POW_TOLERANCE);
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"NEG", "EXP", "SQUARE", "AFFINE", "CLAMP", "RELU", "LEAKY_RELU",
        "SIGMOID", "TANH"})
    @Covers(UNARY)
    void unaryMayRunInPlace(UnaryOp op) {
        float[] x = uniform(new Random(23), 4099, -3, 3);
        Unary f = unaryUnderTest(op);
        Storage xy = output(x);
        backend.unary(f, xy, xy, x.length);
        double[] expected = new double[x.length];
        Reference.unary(f, Reference.widen(x), expected, x.length);
        Approx.assertClose("unary " + f + " in place (y == x)", new int[] {x.length}, read(xy, x.length), expected,
                unaryScale(f, x, expected), op == UnaryOp.AFFINE ? new Tolerance(1e-7, 4 * FLOAT_EPS) : unaryTolerance(op));
    }

    /** Inputs in the op's domain, kinks included (ReLU at +-0, clamp at its ends), where the reference defines f'. */
    private static float[] unaryGradientInputs(UnaryOp op, Random rnd) {
        return switch (op) {
            case LOG, SQRT, POW -> uniform(rnd, 4099, 0.05f, 8);
            case RECIPROCAL -> signedAway(rnd, 4099, 1e-1f, 10);
            case EXP -> uniform(rnd, 4099, -20, 20);
            default -> concat(new float[] {0f, -0f, -0.5f, 0.75f, 100f, -100f, 20f, -20f, 1e-3f, -1e-3f, 7f, -7f},
                    signedAway(rnd, 4099, 1e-3f, 6));
        };
    }

    /** As {@link #unaryTolerance}: the ops named here are tighter than the default a new op gets. */
    private static Tolerance unaryBackwardTolerance(UnaryOp op) {
        return switch (op) {
            case NEG, RELU, ABS, CLAMP -> Tolerance.EXACT;
            case AFFINE, SQUARE, LEAKY_RELU -> Tolerance.ROUNDED;
            case EXP, RECIPROCAL, SQRT, LOG -> new Tolerance(1e-37, 4 * FLOAT_EPS);
            case POW -> POW_TOLERANCE;
            case SIGN, IN_RANGE -> throw new IllegalArgumentException(op + " has no gradient");
            default -> SQUASH;
        };
    }

    /** The forward output a backend would have saved: the exact value rounded to float. */
    private static float[] forwardInFloat(Unary f, float[] x) {
        double[] y = new double[x.length];
        Reference.unary(f, Reference.widen(x), y, x.length);
        return Reference.narrow(y);
    }

    /**
     * The gradient from the one operand the op declares it reads; the other one is a NaN-filled buffer,
     * so a backend that reads it (or the front end that frees it) fails here, not in a training run.
     */
    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"SIGN", "IN_RANGE"}, mode = EnumSource.Mode.EXCLUDE)
    @Covers(UNARY_BACKWARD)
    void unaryBackwardMatchesReference(UnaryOp op) {
        Random rnd = new Random(30);
        Unary f = unaryUnderTest(op);
        float[] x = unaryGradientInputs(op, rnd);
        int n = x.length;
        float[] y = forwardInFloat(f, x);
        float[] dy = uniform(rnd, n, -2, 2);
        float[] poison = new float[n];
        Arrays.fill(poison, Float.NaN);
        boolean readsX = op.derivative() == UnaryOp.Derivative.OF_INPUT;
        boolean readsY = op.derivative() == UnaryOp.Derivative.OF_OUTPUT;
        Storage dx = output(n);
        backend.unaryBackward(f, input(readsX ? x : poison), input(readsY ? y : poison), input(dy), dx, n);
        double[] expected = new double[n];
        Reference.unaryBackward(f, Reference.widen(x), Reference.widen(y), Reference.widen(dy), expected, n);
        double[] scale = null;
        if (!SCALED_BY_RESULT.contains(op) && op != UnaryOp.AFFINE) {
            scale = new double[n];
            for (int i = 0; i < n; i++) {
                scale[i] = Math.abs(dy[i]) * (1 + Math.abs(x[i]));
            }
        }
        Approx.assertClose("unaryBackward " + f + " (reads " + op.derivative() + ")", new int[] {n}, read(dx, n),
                expected, scale, unaryBackwardTolerance(op));
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"EXP", "RELU", "SIGMOID", "AFFINE"})
    @Covers(UNARY_BACKWARD)
    void unaryBackwardMayRunInPlace(UnaryOp op) {
        Random rnd = new Random(31);
        Unary f = unaryUnderTest(op);
        float[] x = unaryGradientInputs(op, rnd);
        int n = x.length;
        float[] y = forwardInFloat(f, x);
        float[] dy = uniform(rnd, n, -2, 2);
        Storage dxy = output(dy);
        backend.unaryBackward(f, op.derivative() == UnaryOp.Derivative.OF_INPUT ? input(x) : null,
                op.derivative() == UnaryOp.Derivative.OF_OUTPUT ? input(y) : null, dxy, dxy, n);
        double[] expected = new double[n];
        Reference.unaryBackward(f, Reference.widen(x), Reference.widen(y), Reference.widen(dy), expected, n);
        Approx.assertClose("unaryBackward " + f + " in place (dx == dy)", new int[] {n}, read(dxy, n), expected,
                unaryBackwardTolerance(op));
    }

    /** Output dims, and how a and b (of the given sizes) are read: strides, 0 where an axis broadcasts. */
    record BroadcastCase(String name, int[] outDims, int aSize, int[] aStrides, int bSize, int[] bStrides) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BroadcastCase> broadcastCases() {
        return List.of(
                new BroadcastCase("same shape [4, 5]", new int[] {4, 5}, 20, new int[] {5, 1}, 20, new int[] {5, 1}),
                new BroadcastCase("[3, 1] with [1, 4]", new int[] {3, 4}, 3, new int[] {1, 0}, 4, new int[] {0, 1}),
                new BroadcastCase("scalar with [2, 3, 5]", new int[] {2, 3, 5}, 1, new int[] {0, 0, 0}, 30,
                        new int[] {15, 5, 1}),
                new BroadcastCase("[2, 3, 5] with scalar", new int[] {2, 3, 5}, 30, new int[] {15, 5, 1}, 1,
                        new int[] {0, 0, 0}),
                new BroadcastCase("rank 0", new int[] {}, 1, new int[] {}, 1, new int[] {}),
                new BroadcastCase("stride 0 on both sides [1, 4] with [1, 4] into [3, 4]", new int[] {3, 4}, 4,
                        new int[] {0, 1}, 4, new int[] {0, 1}),
                new BroadcastCase("[2, 1, 4, 1] with [1, 3, 1, 5]", new int[] {2, 3, 4, 5}, 8, new int[] {4, 0, 1, 0},
                        15, new int[] {0, 5, 0, 1}),
                new BroadcastCase("[1, 7] with [1, 1]", new int[] {1, 7}, 7, new int[] {7, 1}, 1, new int[] {0, 0}),
                new BroadcastCase("transposed view of [3, 4] with [4, 3]", new int[] {4, 3}, 12, new int[] {1, 4}, 12,
                        new int[] {3, 1}),
                new BroadcastCase("[1000, 37] with a row [37]", new int[] {1000, 37}, 37000, new int[] {37, 1}, 37,
                        new int[] {0, 1}));
    }

    static Stream<Arguments> binaryCases() {
        List<Arguments> args = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values()) {
            for (BroadcastCase c : broadcastCases()) {
                args.add(Arguments.of(op, c));
            }
        }
        return args.stream();
    }

    private static float[] binaryInputs(BinaryOp op, boolean left, int size, Random rnd) {
        return switch (op) {
            // Small integers, so that equal pairs (and ties for max and min) are common.
            case EQ, NE, LT, LE, GT, GE, MAX, MIN -> smallInts(rnd, size, -2, 2);
            case POW -> left ? uniform(rnd, size, 0.1f, 3) : uniform(rnd, size, -2.5f, 2.5f);
            case DIV -> left ? uniform(rnd, size, -3, 3) : signedAway(rnd, size, 0.25f, 4);
            default -> uniform(rnd, size, -3, 3);
        };
    }

    private static Tolerance binaryTolerance(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV -> Tolerance.ROUNDED;
            case POW -> POW_TOLERANCE;
            default -> Tolerance.EXACT;
        };
    }

    @ParameterizedTest
    @MethodSource("binaryCases")
    @Covers(BINARY)
    void binaryBroadcastsByStrides(BinaryOp op, BroadcastCase c) {
        Random rnd = new Random(24);
        float[] a = binaryInputs(op, true, c.aSize(), rnd);
        float[] b = binaryInputs(op, false, c.bSize(), rnd);
        int total = Reference.product(c.outDims());
        Storage out = output(total);
        backend.binary(op, input(a), c.aStrides().clone(), input(b), c.bStrides().clone(), out, c.outDims().clone());
        double[] expected = new double[total];
        Reference.binary(op, Reference.widen(a), c.aStrides(), Reference.widen(b), c.bStrides(), expected,
                c.outDims());
        Approx.assertClose("binary " + op + " " + c, c.outDims(), read(out, total), expected, binaryTolerance(op));
    }

    @ParameterizedTest
    @EnumSource(value = BinaryOp.class, names = {"MAX", "MIN"})
    @Covers(BINARY)
    void maxAndMinPropagateNaN(BinaryOp op) {
        float nan = Float.NaN;
        float[] a = {nan, 1f, nan, -2f, 3f, Float.NEGATIVE_INFINITY};
        float[] b = {0f, nan, nan, -3f, Float.POSITIVE_INFINITY, -5f};
        Storage out = output(a.length);
        backend.binary(op, input(a), new int[] {1}, input(b), new int[] {1}, out, new int[] {a.length});
        double[] expected = new double[a.length];
        Reference.binary(op, Reference.widen(a), new int[] {1}, Reference.widen(b), new int[] {1}, expected,
                new int[] {a.length});
        Approx.assertClose("binary " + op + " with NaN", new int[] {a.length}, read(out, a.length), expected,
                Tolerance.EXACT);
    }

    @ParameterizedTest
    @EnumSource(value = BinaryOp.class, names = {"ADD", "SUB", "MUL", "DIV", "MAX", "LT"})
    @Covers(BINARY)
    void binaryMayWriteIntoEitherInput(BinaryOp op) {
        Random rnd = new Random(25);
        int[] dims = {33, 65};
        int[] strides = {65, 1};
        int total = 33 * 65;
        float[] a = binaryInputs(op, true, total, rnd);
        float[] b = binaryInputs(op, false, total, rnd);
        double[] expected = new double[total];
        Reference.binary(op, Reference.widen(a), strides, Reference.widen(b), strides, expected, dims);

        Storage sa = output(a);
        backend.binary(op, sa, strides.clone(), input(b), strides.clone(), sa, dims.clone());
        Approx.assertClose("binary " + op + " in place (out == a)", dims, read(sa, total), expected,
                binaryTolerance(op));
        Storage sb = output(b);
        backend.binary(op, input(a), strides.clone(), sb, strides.clone(), sb, dims.clone());
        Approx.assertClose("binary " + op + " in place (out == b)", dims, read(sb, total), expected,
                binaryTolerance(op));
    }

    // ==================================================================== reductions

    /** A reduction view {@code (outer, extent, inner)}. */
    record ReduceShape(int outer, int extent, int inner) {
        int size() {
            return outer * extent * inner;
        }
    }

    static List<ReduceShape> reduceShapes() {
        return List.of(new ReduceShape(1, 1, 1), new ReduceShape(3, 1, 4), new ReduceShape(1, 1000, 1),
                new ReduceShape(5, 37, 3), new ReduceShape(2, 4, 1), new ReduceShape(1, 7, 9),
                new ReduceShape(2, 3001, 3), new ReduceShape(64, 10, 1), new ReduceShape(1, 5, 4099));
    }

    static Stream<Arguments> reduceCases() {
        List<Arguments> args = new ArrayList<>();
        for (ReduceOp op : ReduceOp.values()) {
            for (ReduceShape s : reduceShapes()) {
                args.add(Arguments.of(op, s));
            }
        }
        return args.stream();
    }

    @ParameterizedTest
    @MethodSource("reduceCases")
    @Covers(REDUCE)
    void reduceMatchesReference(ReduceOp op, ReduceShape s) {
        // All-negative input for MAX and all-positive for MIN, so that starting from 0 is caught.
        float shift = op == ReduceOp.MAX ? -5 : op == ReduceOp.MIN ? 5 : 0;
        float[] x = uniform(new Random(26), s.size(), shift - 1, shift + 1);
        int outSize = s.outer() * s.inner();
        Storage out = output(outSize);
        backend.reduce(op, input(x), s.outer(), s.extent(), s.inner(), out);
        double[] expected = new double[outSize];
        Reference.reduce(op, Reference.widen(x), s.outer(), s.extent(), s.inner(), expected);
        double[] scale = null;
        Tolerance tol = Tolerance.EXACT;
        if (op == ReduceOp.SUM) {
            scale = new double[outSize];
            Reference.reduce(ReduceOp.SUM, Reference.abs(Reference.widen(x)), s.outer(), s.extent(), s.inner(), scale);
            tol = Tolerance.sum(s.extent());
        }
        Approx.assertClose("reduce " + op + " " + s, new int[] {s.outer(), s.inner()}, read(out, outSize), expected,
                scale, tol);
    }

    @ParameterizedTest
    @MethodSource("reduceShapes")
    @Covers(ARGMAX)
    void argmaxTakesTheFirstOfTies(ReduceShape s) {
        // Values from {0, 1, 2, 3}: most rows hold the maximum several times.
        float[] x = smallInts(new Random(27), s.size(), 0, 3);
        int outSize = s.outer() * s.inner();
        Storage out = intOutput(outSize);
        backend.argmax(input(x), s.outer(), s.extent(), s.inner(), out);
        int[] expected = new int[outSize];
        Reference.argmax(Reference.widen(x), s.outer(), s.extent(), s.inner(), expected);
        Approx.assertEqualInts("argmax " + s, new int[] {s.outer(), s.inner()}, readInts(out, outSize), expected);
    }

    @Test
    @Covers(ARGMAX)
    void argmaxCountsNaNAsTheMaximum() {
        float nan = Float.NaN;
        float ninf = Float.NEGATIVE_INFINITY;
        // (outer 2, extent 4, inner 3): columns with NaN first, last, twice, none, and all -inf.
        float[] x = {
            nan, 1, ninf,
            2, 5, ninf,
            nan, 7, ninf,
            3, nan, ninf,

            0, -1, 4,
            0, -2, 4,
            0, -3, nan,
            0, -4, nan};
        Storage out = intOutput(6);
        backend.argmax(input(x), 2, 4, 3, out);
        int[] expected = new int[6];
        Reference.argmax(Reference.widen(x), 2, 4, 3, expected);
        Approx.assertEqualInts("argmax with NaN and -inf", new int[] {2, 3}, readInts(out, 6), expected);
    }

    // ==================================================================== softmax

    /** Rows of {@code cols} values: {@code center +- spread}. */
    record SoftmaxCase(boolean log, int rows, int cols, float center, float spread) {
        @Override
        public String toString() {
            return (log ? "log-softmax" : "softmax") + " [" + rows + ", " + cols + "] values " + center + " +- "
                    + spread;
        }
    }

    static Stream<SoftmaxCase> softmaxCases() {
        int[][] shapes = {{1, 1}, {4, 7}, {3, 1000}, {1, 37}, {64, 10}, {2, 4099}};
        // Around +100 and -100 naive exp overflows or underflows to 0/0; a spread of 1000 leaves most
        // probabilities at exactly 0 and log-probabilities in the thousands.
        float[][] values = {{0, 3}, {100, 5}, {-100, 5}, {0, 1000}};
        List<SoftmaxCase> cases = new ArrayList<>();
        for (boolean log : new boolean[] {false, true}) {
            for (int[] s : shapes) {
                for (float[] v : values) {
                    cases.add(new SoftmaxCase(log, s[0], s[1], v[0], v[1]));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("softmaxCases")
    @Covers(SOFTMAX_FORWARD)
    void softmaxForwardIsStable(SoftmaxCase c) {
        int n = c.rows() * c.cols();
        float[] x = uniform(new Random(31), n, c.center() - c.spread(), c.center() + c.spread());
        Storage y = output(n);
        backend.softmaxForward(c.log(), input(x), y, c.rows(), c.cols());
        double[] expected = new double[n];
        Reference.softmaxForward(c.log(), Reference.widen(x), expected, c.rows(), c.cols());
        Tolerance sum = Tolerance.sum(c.cols());
        if (!c.log()) {
            Approx.assertClose("softmaxForward " + c, new int[] {c.rows(), c.cols()}, read(y, n), expected,
                    probabilityScale(x, expected, c.rows(), c.cols()), new Tolerance(1e-37, sum.rtol() + 4 * FLOAT_EPS));
            return;
        }
        // Log-probabilities x - max - log(sum): their rounding scales with |x - max| and log(sum).
        double[] scale = new double[n];
        for (int r = 0; r < c.rows(); r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c.cols(); j++) {
                max = Math.max(max, x[r * c.cols() + j]);
            }
            for (int j = 0; j < c.cols(); j++) {
                int i = r * c.cols() + j;
                scale[i] = Math.abs(x[i] - max) + Math.abs(expected[i] - (x[i] - max)) + 1;
            }
        }
        Approx.assertClose("softmaxForward " + c, new int[] {c.rows(), c.cols()}, read(y, n), expected, scale,
                new Tolerance(0, sum.rtol() + 4 * FLOAT_EPS));
    }

    /**
     * Scale for probabilities {@code p = exp(x - max) / sum}: {@code p} itself, widened by {@code |x - max|}
     * because float32 rounds {@code x - max} by up to half an ulp of it, which {@code exp} turns into a
     * relative error of {@code u |x - max|} (3.9e-6 at a distance of 65). The factor 1/4 against a relative
     * tolerance of at least 8u leaves four times that. The atol of the tolerance forgives only results
     * below float's normal range.
     */
    private static double[] probabilityScale(float[] x, double[] p, int rows, int cols) {
        double[] scale = new double[p.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[r * cols + j]);
            }
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                scale[i] = Math.abs(p[i]) * (1 + (max - x[i]) / 4);
            }
        }
        return scale;
    }

    static Stream<SoftmaxCase> softmaxBackwardCases() {
        return softmaxCases().filter(c -> c.center() == 0 && c.spread() == 3);
    }

    @ParameterizedTest
    @MethodSource("softmaxBackwardCases")
    @Covers(SOFTMAX_BACKWARD)
    void softmaxBackwardMatchesReference(SoftmaxCase c) {
        Random rnd = new Random(32);
        int n = c.rows() * c.cols();
        float[] x = uniform(rnd, n, c.center() - c.spread(), c.center() + c.spread());
        double[] yExact = new double[n];
        Reference.softmaxForward(c.log(), Reference.widen(x), yExact, c.rows(), c.cols());
        float[] y = Reference.narrow(yExact);
        float[] dy = uniform(rnd, n, -1, 1);
        Storage dx = output(n);
        backend.softmaxBackward(c.log(), input(y), input(dy), dx, c.rows(), c.cols());
        double[] expected = new double[n];
        Reference.softmaxBackward(c.log(), Reference.widen(y), Reference.widen(dy), expected, c.rows(), c.cols());
        // Scale: the same formula with every term taken by absolute value.
        double[] scale = new double[n];
        for (int r = 0; r < c.rows(); r++) {
            double s = 0;
            for (int j = 0; j < c.cols(); j++) {
                int i = r * c.cols() + j;
                s += c.log() ? Math.abs(dy[i]) : Math.abs(dy[i] * y[i]);
            }
            for (int j = 0; j < c.cols(); j++) {
                int i = r * c.cols() + j;
                scale[i] = c.log() ? Math.abs(dy[i]) + Math.exp(y[i]) * s : Math.abs(y[i]) * (Math.abs(dy[i]) + s);
            }
        }
        Approx.assertClose("softmaxBackward " + c, new int[] {c.rows(), c.cols()}, read(dx, n), expected, scale,
                new Tolerance(1e-37, Tolerance.sum(c.cols()).rtol() + 4 * FLOAT_EPS));
    }

    /** Logits {@code U(-scale, scale)}. */
    record CrossEntropyCase(int rows, int classes, float scale) {
    }

    static Stream<CrossEntropyCase> crossEntropyCases() {
        return Stream.of(new CrossEntropyCase(1, 1, 1), new CrossEntropyCase(4, 10, 1),
                new CrossEntropyCase(64, 10, 5), new CrossEntropyCase(3, 1000, 3), new CrossEntropyCase(8, 5, 100),
                new CrossEntropyCase(16, 7, 1000), new CrossEntropyCase(2, 2, 30));
    }

    @ParameterizedTest
    @MethodSource("crossEntropyCases")
    @Covers(SOFTMAX_CROSS_ENTROPY_FORWARD)
    void softmaxCrossEntropyForwardIsStable(CrossEntropyCase c) {
        Random rnd = new Random(33);
        int n = c.rows() * c.classes();
        float[] logits = uniform(rnd, n, -c.scale(), c.scale());
        int[] labels = randomInts(rnd, c.rows(), 0, c.classes() - 1);
        Storage probs = output(n);
        Storage losses = output(c.rows());
        backend.softmaxCrossEntropyForward(input(logits), input(labels), probs, losses, c.rows(), c.classes());
        double[] expectedProbs = new double[n];
        double[] expectedLosses = new double[c.rows()];
        Reference.softmaxCrossEntropyForward(Reference.widen(logits), labels, expectedProbs, expectedLosses, c.rows(),
                c.classes());
        Tolerance sum = Tolerance.sum(c.classes());
        Approx.assertClose("softmaxCrossEntropyForward probs " + c, new int[] {c.rows(), c.classes()},
                read(probs, n), expectedProbs, probabilityScale(logits, expectedProbs, c.rows(), c.classes()),
                new Tolerance(1e-37, sum.rtol() + 4 * FLOAT_EPS));
        // logsumexp - x[label] is a difference of numbers as large as the logits: judge it at their scale.
        double[] scale = new double[c.rows()];
        for (int r = 0; r < c.rows(); r++) {
            for (int j = 0; j < c.classes(); j++) {
                scale[r] = Math.max(scale[r], Math.abs(logits[r * c.classes() + j]));
            }
            scale[r] += Math.log(c.classes()) + 1;
        }
        Approx.assertClose("softmaxCrossEntropyForward losses " + c, new int[] {c.rows()}, read(losses, c.rows()),
                expectedLosses, scale, new Tolerance(0, sum.rtol() + 4 * FLOAT_EPS));
    }

    @ParameterizedTest
    @MethodSource("crossEntropyCases")
    @Covers(SOFTMAX_CROSS_ENTROPY_BACKWARD)
    void softmaxCrossEntropyBackwardMatchesReference(CrossEntropyCase c) {
        Random rnd = new Random(34);
        int n = c.rows() * c.classes();
        float[] logits = uniform(rnd, n, -c.scale(), c.scale());
        int[] labels = randomInts(rnd, c.rows(), 0, c.classes() - 1);
        double[] p = new double[n];
        Reference.softmaxForward(false, Reference.widen(logits), p, c.rows(), c.classes());
        float[] probs = Reference.narrow(p);
        float[] dLosses = uniform(rnd, c.rows(), -2, 2);
        dLosses[0] = c.rows() > 1 ? 0f : dLosses[0];
        Storage dLogits = output(n);
        backend.softmaxCrossEntropyBackward(input(probs), input(labels), input(dLosses), dLogits, c.rows(),
                c.classes());
        double[] expected = new double[n];
        Reference.softmaxCrossEntropyBackward(Reference.widen(probs), labels, Reference.widen(dLosses), expected,
                c.rows(), c.classes());
        double[] scale = new double[n];
        for (int i = 0; i < n; i++) {
            scale[i] = Math.abs(dLosses[i / c.classes()]) * (Math.abs(probs[i]) + 1);
        }
        Approx.assertClose("softmaxCrossEntropyBackward " + c, new int[] {c.rows(), c.classes()}, read(dLogits, n),
                expected, scale, new Tolerance(0, 4 * FLOAT_EPS));
    }

    // ==================================================================== normalization

    /** Rows of {@code cols} values {@code center +- spread}; which affine parts are given. */
    record LayerNormCase(int rows, int cols, boolean weight, boolean bias, float center, float spread, float eps) {
        @Override
        public String toString() {
            return "[" + rows + ", " + cols + "]" + (weight ? " weight" : "") + (bias ? " bias" : "") + " values "
                    + center + " +- " + spread + " eps " + eps;
        }
    }

    static Stream<LayerNormCase> layerNormCases() {
        return Stream.of(
                new LayerNormCase(1, 1, true, true, 0, 1, 1e-5f),          // a single value: zero variance
                new LayerNormCase(4, 7, true, true, 0, 3, 1e-5f),
                new LayerNormCase(3, 7, false, false, 0, 3, 1e-5f),
                new LayerNormCase(5, 9, true, false, 0, 1, 0.5f),           // eps that matters
                new LayerNormCase(6, 10, false, true, 0, 1, 1e-5f),
                new LayerNormCase(64, 128, true, true, 0, 2, 1e-5f),        // a GPT's width
                // A large mean against a small spread: E[x^2] - mean^2 would cancel to noise here.
                new LayerNormCase(8, 128, true, true, 1000, 1, 1e-5f),
                new LayerNormCase(3, 1000, true, true, 0, 1, 1e-5f),
                new LayerNormCase(2, 4099, true, true, -50, 5, 1e-5f));
    }

    /** (|x| + |mean|) * rstd per element: the size of the normalized value's rounding. */
    private static double[] normalizedScale(float[] x, double[] mean, double[] rstd, int rows, int cols) {
        double[] a = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                a[r * cols + c] = (Math.abs(x[r * cols + c]) + Math.abs(mean[r])) * rstd[r];
            }
        }
        return a;
    }

    @ParameterizedTest
    @MethodSource("layerNormCases")
    @Covers(LAYER_NORM_FORWARD)
    void layerNormForwardMatchesReference(LayerNormCase c) {
        Random rnd = new Random(60);
        int n = c.rows() * c.cols();
        float[] x = uniform(rnd, n, c.center() - c.spread(), c.center() + c.spread());
        float[] w = c.weight() ? uniform(rnd, c.cols(), -2, 2) : null;
        float[] b = c.bias() ? uniform(rnd, c.cols(), -1, 1) : null;
        Storage y = output(n);
        Storage mean = output(c.rows());
        Storage rstd = output(c.rows());
        backend.layerNormForward(input(x), w == null ? null : input(w), b == null ? null : input(b), y, mean, rstd,
                c.rows(), c.cols(), c.eps());
        double[] ey = new double[n];
        double[] em = new double[c.rows()];
        double[] er = new double[c.rows()];
        Reference.layerNormForward(Reference.widen(x), w == null ? null : Reference.widen(w),
                b == null ? null : Reference.widen(b), ey, em, er, c.rows(), c.cols(), c.eps());
        // The mean is a sum of cols terms; rstd a sum of squares (relative); y the normalized value, scaled.
        double[] meanScale = new double[c.rows()];
        for (int r = 0; r < c.rows(); r++) {
            for (int j = 0; j < c.cols(); j++) {
                meanScale[r] += Math.abs(x[r * c.cols() + j]) / c.cols();
            }
        }
        Approx.assertClose("layerNormForward mean " + c, new int[] {c.rows()}, read(mean, c.rows()), em, meanScale,
                Tolerance.sum(c.cols()));
        Approx.assertClose("layerNormForward rstd " + c, new int[] {c.rows()}, read(rstd, c.rows()), er,
                Tolerance.sum(c.cols()));
        double[] a = normalizedScale(x, em, er, c.rows(), c.cols());
        double[] scale = new double[n];
        for (int i = 0; i < n; i++) {
            int col = i % c.cols();
            scale[i] = a[i] * (w == null ? 1 : Math.abs(w[col])) + (b == null ? 0 : Math.abs(b[col]));
        }
        Approx.assertClose("layerNormForward y " + c, new int[] {c.rows(), c.cols()}, read(y, n), ey, scale,
                new Tolerance(1e-37, Tolerance.sum(c.cols()).rtol() + 8 * FLOAT_EPS));
    }

    static Stream<LayerNormCase> layerNormBackwardCases() {
        return layerNormCases().filter(c -> c.cols() > 1);
    }

    @ParameterizedTest
    @MethodSource("layerNormBackwardCases")
    @Covers(LAYER_NORM_BACKWARD)
    void layerNormBackwardMatchesReference(LayerNormCase c) {
        Random rnd = new Random(61);
        int rows = c.rows();
        int cols = c.cols();
        int n = rows * cols;
        float[] x = uniform(rnd, n, c.center() - c.spread(), c.center() + c.spread());
        float[] w = c.weight() ? uniform(rnd, cols, -2, 2) : null;
        double[] yIgnored = new double[n];
        double[] m = new double[rows];
        double[] r = new double[rows];
        Reference.layerNormForward(Reference.widen(x), w == null ? null : Reference.widen(w), null, yIgnored, m, r,
                rows, cols, c.eps());
        // The backward pass gets the statistics as the forward pass stored them: float32.
        float[] mean = Reference.narrow(m);
        float[] rstd = Reference.narrow(r);
        float[] dy = uniform(rnd, n, -1, 1);
        Storage dx = output(n);
        Storage dw = output(cols);
        Storage db = output(cols);
        Storage xs = input(x);
        Storage ws = w == null ? null : input(w);
        Storage ms = input(mean);
        Storage rs = input(rstd);
        Storage dys = input(dy);
        backend.layerNormBackward(xs, ws, ms, rs, dys, dx, dw, db, rows, cols);
        double[] edx = new double[n];
        double[] edw = new double[cols];
        double[] edb = new double[cols];
        Reference.layerNormBackward(Reference.widen(x), w == null ? null : Reference.widen(w), Reference.widen(mean),
                Reference.widen(rstd), Reference.widen(dy), edx, edw, edb, rows, cols);
        double[] a = normalizedScale(x, Reference.widen(mean), Reference.widen(rstd), rows, cols);
        // dx = rstd (g - mean(g) - xhat mean(g xhat)): every term by absolute value
        double[] dxScale = new double[n];
        double[] dwScale = new double[cols];
        double[] dbScale = new double[cols];
        for (int row = 0; row < rows; row++) {
            double g = 0;
            double ga = 0;
            for (int j = 0; j < cols; j++) {
                int i = row * cols + j;
                double gi = Math.abs(dy[i]) * (w == null ? 1 : Math.abs(w[j]));
                g += gi / cols;
                ga += gi * a[i] / cols;
                dwScale[j] += Math.abs(dy[i]) * a[i];
                dbScale[j] += Math.abs(dy[i]);
            }
            for (int j = 0; j < cols; j++) {
                int i = row * cols + j;
                double gi = Math.abs(dy[i]) * (w == null ? 1 : Math.abs(w[j]));
                dxScale[i] = rstd[row] * (gi + g + a[i] * ga);
            }
        }
        Tolerance tol = new Tolerance(1e-37, Tolerance.sum(cols).rtol() + 16 * FLOAT_EPS);
        Approx.assertClose("layerNormBackward dx " + c, new int[] {rows, cols}, read(dx, n), edx, dxScale, tol);
        Approx.assertClose("layerNormBackward dWeight " + c, new int[] {cols}, read(dw, cols), edw, dwScale,
                Tolerance.sum(rows + 1));
        Approx.assertClose("layerNormBackward dBias " + c, new int[] {cols}, read(db, cols), edb, dbScale,
                Tolerance.sum(rows));
        // Without dx (the input needs no gradient), the parameter gradients alone.
        Storage dw2 = output(cols);
        backend.layerNormBackward(xs, ws, ms, rs, dys, null, dw2, null, rows, cols);
        Approx.assertClose("layerNormBackward dWeight without dx " + c, new int[] {cols}, read(dw2, cols), edw,
                dwScale, Tolerance.sum(rows + 1));
    }

    /** A batch normalization and its data: values {@code center +- spread}. */
    record BatchNormCase(BatchNormParams p, boolean running, boolean affine, float center, float spread) {
        @Override
        public String toString() {
            return "(" + p.batch() + ", " + p.channels() + ", " + p.inner() + ") " + (p.training() ? "training"
                    : "evaluation") + (running ? " with running statistics" : "") + (affine ? " affine" : "")
                    + " momentum " + p.momentum() + " values " + center + " +- " + spread;
        }
    }

    static Stream<BatchNormCase> batchNormCases() {
        return Stream.of(
                new BatchNormCase(new BatchNormParams(2, 3, 1, true, 0.1f, 1e-5f), true, true, 0, 1),
                new BatchNormCase(new BatchNormParams(8, 4, 1, true, 0.1f, 1e-5f), false, false, 0, 2),
                new BatchNormCase(new BatchNormParams(1, 2, 7, true, 0.3f, 1e-3f), true, true, 0, 1),
                new BatchNormCase(new BatchNormParams(3, 2, 25, true, 0.1f, 1e-5f), true, false, 0, 3),
                new BatchNormCase(new BatchNormParams(4, 16, 49, true, 0.1f, 1e-5f), true, true, 0, 1),
                new BatchNormCase(new BatchNormParams(16, 3, 64, true, 0.1f, 1e-5f), true, true, 500, 1),
                new BatchNormCase(new BatchNormParams(2, 1, 4099, true, 1f, 1e-5f), true, true, 0, 1),
                new BatchNormCase(new BatchNormParams(8, 4, 1, false, 0.1f, 1e-5f), true, true, 0, 2),
                new BatchNormCase(new BatchNormParams(5, 3, 10, false, 0.1f, 1e-2f), true, false, 0, 1));
    }

    @ParameterizedTest
    @MethodSource("batchNormCases")
    @Covers(BATCH_NORM_FORWARD)
    void batchNormForwardMatchesReference(BatchNormCase c) {
        BatchNormParams p = c.p();
        Random rnd = new Random(62);
        int n = p.size();
        int ch = p.channels();
        float[] x = uniform(rnd, n, c.center() - c.spread(), c.center() + c.spread());
        float[] w = c.affine() ? uniform(rnd, ch, -2, 2) : null;
        float[] b = c.affine() ? uniform(rnd, ch, -1, 1) : null;
        float[] rm = c.running() ? uniform(rnd, ch, c.center() - 1, c.center() + 1) : null;
        float[] rv = c.running() ? uniform(rnd, ch, 0.5f, 2) : null;
        Storage y = output(n);
        Storage mean = output(ch);
        Storage invStd = output(ch);
        // In training the running statistics are updated in place; in evaluation they are inputs.
        Storage rms = rm == null ? null : p.training() ? output(rm) : input(rm);
        Storage rvs = rv == null ? null : p.training() ? output(rv) : input(rv);
        backend.batchNormForward(p, input(x), w == null ? null : input(w), b == null ? null : input(b), rms, rvs, y,
                mean, invStd);
        double[] ey = new double[n];
        double[] em = new double[ch];
        double[] es = new double[ch];
        double[] erm = rm == null ? null : Reference.widen(rm);
        double[] erv = rv == null ? null : Reference.widen(rv);
        Reference.batchNormForward(p, Reference.widen(x), w == null ? null : Reference.widen(w),
                b == null ? null : Reference.widen(b), erm, erv, ey, em, es);
        double[] meanScale = new double[ch];
        double[] a = new double[n];
        double[] yScale = new double[n];
        for (int k = 0; k < n; k++) {
            int cc = k / p.inner() % ch;
            meanScale[cc] += Math.abs(x[k]) / p.count();
        }
        for (int k = 0; k < n; k++) {
            int cc = k / p.inner() % ch;
            a[k] = (Math.abs(x[k]) + Math.abs(em[cc])) * es[cc];
            yScale[k] = a[k] * (w == null ? 1 : Math.abs(w[cc])) + (b == null ? 0 : Math.abs(b[cc]));
        }
        Tolerance stat = p.training() ? Tolerance.sum(p.count()) : Tolerance.ROUNDED;
        Approx.assertClose("batchNormForward saveMean " + c, new int[] {ch}, read(mean, ch), em,
                p.training() ? meanScale : Reference.abs(em), stat);
        Approx.assertClose("batchNormForward saveInvStd " + c, new int[] {ch}, read(invStd, ch), es,
                new Tolerance(0, stat.rtol() + 4 * FLOAT_EPS));
        Approx.assertClose("batchNormForward y " + c, new int[] {p.batch(), ch, p.inner()}, read(y, n), ey, yScale,
                new Tolerance(1e-37, stat.rtol() + 8 * FLOAT_EPS));
        if (p.training() && c.running()) {
            double[] rmScale = new double[ch];
            double[] rvScale = new double[ch];
            for (int cc = 0; cc < ch; cc++) {
                rmScale[cc] = (1 - p.momentum()) * Math.abs(rm[cc]) + p.momentum() * meanScale[cc];
                rvScale[cc] = (1 - p.momentum()) * Math.abs(rv[cc]) + p.momentum() * Math.abs(erv[cc] - (1
                        - p.momentum()) * rv[cc]) / Math.max(p.momentum(), 1e-30);
            }
            Approx.assertClose("batchNormForward running mean " + c, new int[] {ch}, read(rms, ch), erm, rmScale, stat);
            Approx.assertClose("batchNormForward running var " + c, new int[] {ch}, read(rvs, ch), erv, rvScale,
                    new Tolerance(0, stat.rtol() + 8 * FLOAT_EPS));
        }
    }

    @ParameterizedTest
    @MethodSource("batchNormCases")
    @Covers(BATCH_NORM_BACKWARD)
    void batchNormBackwardMatchesReference(BatchNormCase c) {
        BatchNormParams p = c.p();
        Random rnd = new Random(63);
        int n = p.size();
        int ch = p.channels();
        float[] x = uniform(rnd, n, c.center() - c.spread(), c.center() + c.spread());
        float[] w = c.affine() ? uniform(rnd, ch, -2, 2) : null;
        double[] rm = Reference.widen(uniform(rnd, ch, c.center() - 1, c.center() + 1));
        double[] rv = Reference.widen(uniform(rnd, ch, 0.5f, 2));
        double[] m = new double[ch];
        double[] s = new double[ch];
        Reference.batchNormForward(p, Reference.widen(x), null, null, rm, rv, new double[n], m, s);
        float[] mean = Reference.narrow(m);
        float[] invStd = Reference.narrow(s);
        float[] dy = uniform(rnd, n, -1, 1);
        Storage dx = output(n);
        Storage dw = output(ch);
        Storage db = output(ch);
        backend.batchNormBackward(p, input(x), w == null ? null : input(w), input(mean), input(invStd), input(dy), dx,
                dw, db);
        double[] edx = new double[n];
        double[] edw = new double[ch];
        double[] edb = new double[ch];
        Reference.batchNormBackward(p, Reference.widen(x), w == null ? null : Reference.widen(w),
                Reference.widen(mean), Reference.widen(invStd), Reference.widen(dy), edx, edw, edb);
        double[] a = new double[n];
        double[] sumAbs = new double[ch];
        double[] sumAbsA = new double[ch];
        for (int k = 0; k < n; k++) {
            int cc = k / p.inner() % ch;
            a[k] = (Math.abs(x[k]) + Math.abs(mean[cc])) * invStd[cc];
            sumAbs[cc] += Math.abs(dy[k]);
            sumAbsA[cc] += Math.abs(dy[k]) * a[k];
        }
        double[] dxScale = new double[n];
        for (int k = 0; k < n; k++) {
            int cc = k / p.inner() % ch;
            double g = p.training() ? Math.abs(dy[k]) + sumAbs[cc] / p.count() + a[k] * sumAbsA[cc] / p.count()
                    : Math.abs(dy[k]);
            dxScale[k] = (w == null ? 1 : Math.abs(w[cc])) * invStd[cc] * g;
        }
        Approx.assertClose("batchNormBackward dx " + c, new int[] {p.batch(), ch, p.inner()}, read(dx, n), edx,
                dxScale, new Tolerance(1e-37, Tolerance.sum(p.count()).rtol() + 16 * FLOAT_EPS));
        Approx.assertClose("batchNormBackward dWeight " + c, new int[] {ch}, read(dw, ch), edw, sumAbsA,
                Tolerance.sum(p.count() + 1));
        Approx.assertClose("batchNormBackward dBias " + c, new int[] {ch}, read(db, ch), edb, sumAbs,
                Tolerance.sum(p.count()));
    }

    // ==================================================================== attention

    /** Where Q, K, V and the output live. */
    enum AttentionLayout {
        /** Four contiguous (B, H, T, D) tensors. */
        CONTIGUOUS,
        /** Q, K and V the heads of one (B, T, 3C) projection, the output (B, T, C): strides, no copies. */
        PACKED,
        /** Each in its own buffer at an offset, rows padded by 3 elements that must stay untouched. */
        PADDED
    }

    /** Which additive mask, and how it broadcasts. */
    enum AttentionMask {
        NONE, FULL, SHARED, HEADS, PADDING
    }

    /** One attention problem; {@code amp} scales q and k (large: scores that overflow exp unless shifted). */
    record AttentionCase(int batch, int heads, int queries, int keys, int headDim, int valueDim, boolean causal,
                         AttentionMask mask, AttentionLayout layout, float amp) {
        @Override
        public String toString() {
            return "B " + batch + " H " + heads + " Tq " + queries + " Tk " + keys + " D " + headDim + " Dv " + valueDim
                    + (causal ? " causal" : "") + " mask " + mask + " " + layout + (amp != 1 ? " amplitude " + amp : "");
        }
    }

    static Stream<AttentionCase> attentionCases() {
        return Stream.of(
                new AttentionCase(1, 1, 1, 1, 1, 1, false, AttentionMask.NONE, AttentionLayout.CONTIGUOUS, 1),
                new AttentionCase(2, 3, 5, 5, 4, 4, true, AttentionMask.NONE, AttentionLayout.CONTIGUOUS, 1),
                new AttentionCase(2, 2, 7, 9, 8, 3, false, AttentionMask.FULL, AttentionLayout.CONTIGUOUS, 1),
                new AttentionCase(3, 2, 6, 4, 5, 5, true, AttentionMask.SHARED, AttentionLayout.PADDED, 1),
                new AttentionCase(2, 4, 16, 16, 8, 8, true, AttentionMask.NONE, AttentionLayout.PACKED, 1),
                new AttentionCase(2, 3, 8, 8, 4, 4, false, AttentionMask.PADDING, AttentionLayout.PACKED, 1),
                new AttentionCase(1, 2, 33, 70, 16, 16, false, AttentionMask.HEADS, AttentionLayout.PADDED, 10),
                // Scores beyond 88, where float32's exp overflows unless the row maximum is subtracted first.
                new AttentionCase(2, 2, 40, 40, 16, 16, true, AttentionMask.NONE, AttentionLayout.CONTIGUOUS, 12),
                new AttentionCase(1, 1, 130, 130, 64, 64, true, AttentionMask.NONE, AttentionLayout.CONTIGUOUS, 1),
                new AttentionCase(1, 2, 3, 200, 32, 24, false, AttentionMask.FULL, AttentionLayout.PADDED, 1),
                // The showcase's heads (H 4, T 64, D 32, causal, read from the packed projection) with 2 of its
                // 12 sequences: every matrix runs the same code, and the emulated GPU runs 6x fewer blocks.
                new AttentionCase(2, 4, 64, 64, 32, 32, true, AttentionMask.NONE, AttentionLayout.PACKED, 1));
    }

    /** The buffers and operands of one attention case; every buffer's data on the host. */
    static final class AttentionData {
        final AttentionCase c;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] mask;
        final Attention.Operand qAt;
        final Attention.Operand kAt;
        final Attention.Operand vAt;
        final Attention.Operand maskAt;
        final Attention.Operand outAt;
        final int outSize;

        AttentionData(AttentionCase c, Random rnd) {
            this.c = c;
            int b = c.batch();
            int h = c.heads();
            switch (c.layout()) {
                case CONTIGUOUS -> {
                    q = uniform(rnd, b * h * c.queries() * c.headDim(), -c.amp(), c.amp());
                    k = uniform(rnd, b * h * c.keys() * c.headDim(), -c.amp(), c.amp());
                    v = uniform(rnd, b * h * c.keys() * c.valueDim(), -1, 1);
                    qAt = Attention.Operand.contiguous(DUMMY, h, c.queries(), c.headDim());
                    kAt = Attention.Operand.contiguous(DUMMY, h, c.keys(), c.headDim());
                    vAt = Attention.Operand.contiguous(DUMMY, h, c.keys(), c.valueDim());
                    outAt = Attention.Operand.contiguous(DUMMY, h, c.queries(), c.valueDim());
                    outSize = b * h * c.queries() * c.valueDim();
                }
                case PACKED -> {
                    int t = c.queries();
                    int ch = h * c.headDim();
                    float[] qkv = uniform(rnd, b * t * 3 * ch, -c.amp(), c.amp());
                    q = qkv;
                    k = qkv;
                    v = qkv;
                    qAt = new Attention.Operand(DUMMY, 0, t * 3 * ch, c.headDim(), 3 * ch);
                    kAt = new Attention.Operand(DUMMY, ch, t * 3 * ch, c.headDim(), 3 * ch);
                    vAt = new Attention.Operand(DUMMY, 2 * ch, t * 3 * ch, c.headDim(), 3 * ch);
                    outAt = new Attention.Operand(DUMMY, 0, t * ch, c.valueDim(), ch);
                    outSize = b * t * ch;
                }
                default -> {
                    qAt = padded(h, c.queries(), c.headDim());
                    kAt = padded(h, c.keys(), c.headDim());
                    vAt = padded(h, c.keys(), c.valueDim());
                    outAt = padded(h, c.queries(), c.valueDim());
                    q = uniform(rnd, size(qAt, b), -c.amp(), c.amp());
                    k = uniform(rnd, size(kAt, b), -c.amp(), c.amp());
                    v = uniform(rnd, size(vAt, b), -1, 1);
                    outSize = size(outAt, b);
                }
            }
            int tq = c.queries();
            int tk = c.keys();
            Attention.Operand m = switch (c.mask()) {
                case NONE -> null;
                case FULL -> new Attention.Operand(DUMMY, 0, h * tq * tk, tq * tk, tk);
                case SHARED -> new Attention.Operand(DUMMY, 0, 0, 0, tk);
                case HEADS -> new Attention.Operand(DUMMY, 0, 0, tq * tk, tk);
                case PADDING -> new Attention.Operand(DUMMY, 0, tk, 0, 0);
            };
            maskAt = m;
            if (m == null) {
                mask = null;
            } else {
                int n = switch (c.mask()) {
                    case FULL -> b * h * tq * tk;
                    case SHARED -> tq * tk;
                    case HEADS -> h * tq * tk;
                    default -> b * tk;
                };
                mask = uniform(rnd, n, -2, 2);
                // Some scores excluded outright, never key 0, so that no row is left without a key.
                for (int i = 0; i < n; i++) {
                    if (i % tk != 0 && rnd.nextInt(6) == 0) {
                        mask[i] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }

        /** Rows padded by 3 elements, matrices at an offset of 5. */
        private static Attention.Operand padded(int heads, int rows, int width) {
            int row = width + 3;
            return new Attention.Operand(DUMMY, 5, heads * rows * row, rows * row, row);
        }

        private int size(Attention.Operand o, int batch) {
            return o.offset() + batch * o.batchStride() + 2;
        }

        /** The arguments with the given buffers. */
        Attention attention(Storage qs, Storage ks, Storage vs, Storage ms, Storage out, Storage lse) {
            return Attention.of(c.batch(), c.heads(), c.queries(), c.keys(), c.headDim(), c.valueDim(),
                    (float) (1 / Math.sqrt(c.headDim())), c.causal()).q(on(qAt, qs)).k(on(kAt, ks)).v(on(vAt, vs))
                    .mask(ms == null ? null : on(maskAt, ms)).into(on(outAt, out), lse);
        }

        int lseSize() {
            return c.batch() * c.heads() * c.queries();
        }

        /** Every element of the output buffer that the attention writes, as a mask. */
        boolean[] written(Attention.Operand o, int size, int rows, int width) {
            boolean[] w = new boolean[size];
            for (int b = 0; b < c.batch(); b++) {
                for (int h = 0; h < c.heads(); h++) {
                    for (int t = 0; t < rows; t++) {
                        for (int e = 0; e < width; e++) {
                            w[o.at(b, h, t) + e] = true;
                        }
                    }
                }
            }
            return w;
        }
    }

    /** Storage for the operands' layouts before buffers exist; never read. */
    private static final Storage DUMMY = new dev.flint.backend.AbstractStorage(null, DType.FLOAT32, 0) {
        @Override
        protected void free() {
        }
    };

    private static Attention.Operand on(Attention.Operand o, Storage s) {
        return new Attention.Operand(s, o.offset(), o.batchStride(), o.headStride(), o.rowStride());
    }

    /**
     * Per score row: the largest |score| bound {@code scale * sum |q k| + |mask|} over the keys it sees, the row's
     * probabilities, and the bound of each score, in double.
     */
    private static double[][] attentionRows(Attention a, double[] q, double[] k, double[] mask, double[] lse,
                                            double[] rowBound) {
        double[][] p = new double[a.batch() * a.heads() * a.queries()][];
        for (int b = 0; b < a.batch(); b++) {
            for (int h = 0; h < a.heads(); h++) {
                for (int i = 0; i < a.queries(); i++) {
                    int r = (b * a.heads() + h) * a.queries() + i;
                    double[] s = Reference.attentionScores(a, q, k, mask, b, h, i);
                    double bound = 0;
                    for (int j = 0; j < a.keys(); j++) {
                        if (s[j] == Double.NEGATIVE_INFINITY) {
                            continue;
                        }
                        double abs = 0;
                        for (int d = 0; d < a.headDim(); d++) {
                            abs += Math.abs(q[a.q().at(b, h, i) + d] * k[a.k().at(b, h, j) + d]);
                        }
                        bound = Math.max(bound, a.scale() * abs + (mask == null ? 0
                                : Math.abs(mask[a.mask().at(b, h, i) + j])));
                    }
                    rowBound[r] = bound;
                    p[r] = new double[a.keys()];
                    for (int j = 0; j < a.keys(); j++) {
                        p[r][j] = Math.exp(s[j] - lse[r]);
                    }
                }
            }
        }
        return p;
    }

    /** Expected values over a whole buffer: NaN (the initial value) where nothing may be written. */
    private static double[] onlyWritten(double[] values, boolean[] written) {
        double[] e = values.clone();
        for (int i = 0; i < e.length; i++) {
            if (!written[i]) {
                e[i] = Double.NaN;
            }
        }
        return e;
    }

    private static double attentionRtol(AttentionCase c) {
        return 8 * (Math.sqrt(c.headDim()) + Math.sqrt(c.valueDim()) + Math.sqrt(c.queries()) + Math.sqrt(c.keys()))
                * FLOAT_EPS + 16 * FLOAT_EPS;
    }

    @ParameterizedTest
    @MethodSource("attentionCases")
    @Covers(ATTENTION_FORWARD)
    void attentionForwardMatchesReference(AttentionCase c) {
        AttentionData data = new AttentionData(c, new Random(64));
        Storage qs = input(data.q);
        Storage ks = data.k == data.q ? qs : input(data.k);
        Storage vs = data.v == data.q ? qs : input(data.v);
        Storage ms = data.mask == null ? null : input(data.mask);
        Storage out = output(data.outSize);
        Storage lse = output(data.lseSize());
        Attention a = data.attention(qs, ks, vs, ms, out, lse);
        backend.attentionForward(a);

        double[] eq = Reference.widen(data.q);
        double[] ek = Reference.widen(data.k);
        double[] ev = Reference.widen(data.v);
        double[] em = data.mask == null ? null : Reference.widen(data.mask);
        double[] eOut = new double[data.outSize];
        double[] eLse = new double[data.lseSize()];
        Reference.attentionForward(a, eq, ek, ev, em, eOut, eLse);
        double[] bound = new double[data.lseSize()];
        double[][] p = attentionRows(a, eq, ek, em, eLse, bound);
        // out = sum_j p_j v_j: each probability off by about its score's rounding, relative
        double[] outScale = new double[data.outSize];
        double[] lseScale = new double[data.lseSize()];
        for (int b = 0; b < c.batch(); b++) {
            for (int h = 0; h < c.heads(); h++) {
                for (int i = 0; i < c.queries(); i++) {
                    int r = (b * c.heads() + h) * c.queries() + i;
                    lseScale[r] = Math.abs(eLse[r]) + bound[r] + 1;
                    for (int e = 0; e < c.valueDim(); e++) {
                        double s = 0;
                        for (int j = 0; j < c.keys(); j++) {
                            s += p[r][j] * Math.abs(ev[a.v().at(b, h, j) + e]);
                        }
                        outScale[a.out().at(b, h, i) + e] = s * (1 + bound[r]);
                    }
                }
            }
        }
        Tolerance tol = new Tolerance(1e-37, attentionRtol(c));
        Approx.assertClose("attentionForward lse " + c, new int[] {data.lseSize()}, read(lse, data.lseSize()), eLse,
                lseScale, tol);
        boolean[] written = data.written(data.outAt, data.outSize, c.queries(), c.valueDim());
        Approx.assertClose("attentionForward out " + c, new int[] {data.outSize}, read(out, data.outSize),
                onlyWritten(eOut, written), outScale, tol);
    }

    @ParameterizedTest
    @MethodSource("attentionCases")
    @Covers(ATTENTION_BACKWARD)
    void attentionBackwardMatchesReference(AttentionCase c) {
        Random rnd = new Random(65);
        AttentionData data = new AttentionData(c, rnd);
        double[] eq = Reference.widen(data.q);
        double[] ek = Reference.widen(data.k);
        double[] ev = Reference.widen(data.v);
        double[] em = data.mask == null ? null : Reference.widen(data.mask);
        // The forward pass's results, as it stored them (float32), are the backward pass's inputs.
        Attention layout = data.attention(DUMMY, DUMMY, DUMMY, em == null ? null : DUMMY, DUMMY, DUMMY);
        double[] out64 = new double[data.outSize];
        double[] lse64 = new double[data.lseSize()];
        Reference.attentionForward(layout, eq, ek, ev, em, out64, lse64);
        float[] outF = Reference.narrow(out64);
        float[] lseF = Reference.narrow(lse64);
        float[] dOut = uniform(rnd, data.outSize, -1, 1);

        Storage qs = input(data.q);
        Storage ks = data.k == data.q ? qs : input(data.k);
        Storage vs = data.v == data.q ? qs : input(data.v);
        Storage ms = data.mask == null ? null : input(data.mask);
        Storage outS = input(outF);
        Storage lseS = input(lseF);
        Storage dOutS = input(dOut);
        Attention a = data.attention(qs, ks, vs, ms, outS, lseS);
        int qSize = data.q.length;
        Storage dq = output(qSize);
        Storage dk = data.k == data.q ? dq : output(data.k.length);
        Storage dv = data.v == data.q ? dq : output(data.v.length);
        backend.attentionBackward(a, on(data.outAt, dOutS), on(data.qAt, dq), on(data.kAt, dk), on(data.vAt, dv));

        double[] edq = new double[qSize];
        double[] edk = data.k == data.q ? edq : new double[data.k.length];
        double[] edv = data.v == data.q ? edq : new double[data.v.length];
        java.util.Arrays.fill(edq, Double.NaN);
        java.util.Arrays.fill(edk, Double.NaN);
        java.util.Arrays.fill(edv, Double.NaN);
        double[] eOut = Reference.widen(outF);
        double[] eLse = Reference.widen(lseF);
        double[] eDOut = Reference.widen(dOut);
        Reference.attentionBackward(layout, eq, ek, ev, em, eOut, eLse, data.outAt, eDOut, data.qAt, edq, data.kAt,
                edk, data.vAt, edv);
        // Scales: every product of the formulas by absolute value, each probability widened by its score's error.
        double[] bound = new double[data.lseSize()];
        double[][] p = attentionRows(layout, eq, ek, em, eLse, bound);
        double[] dqScale = new double[qSize];
        double[] dkScale = new double[edk.length];
        double[] dvScale = new double[edv.length];
        double scale = layout.scale();
        for (int b = 0; b < c.batch(); b++) {
            for (int h = 0; h < c.heads(); h++) {
                for (int i = 0; i < c.queries(); i++) {
                    int r = (b * c.heads() + h) * c.queries() + i;
                    int gi = data.outAt.at(b, h, i);
                    double rowAbs = 0;
                    for (int e = 0; e < c.valueDim(); e++) {
                        rowAbs += Math.abs(eDOut[gi + e] * eOut[gi + e]);
                    }
                    for (int j = 0; j < c.keys(); j++) {
                        if (p[r][j] == 0) {
                            continue;
                        }
                        double pw = p[r][j] * (1 + bound[r]);
                        double dpAbs = 0;
                        for (int e = 0; e < c.valueDim(); e++) {
                            dpAbs += Math.abs(eDOut[gi + e] * ev[data.vAt.at(b, h, j) + e]);
                            dvScale[data.vAt.at(b, h, j) + e] += pw * Math.abs(eDOut[gi + e]);
                        }
                        double ds = pw * (dpAbs + rowAbs) * scale;
                        for (int d = 0; d < c.headDim(); d++) {
                            dqScale[data.qAt.at(b, h, i) + d] += ds * Math.abs(ek[data.kAt.at(b, h, j) + d]);
                            dkScale[data.kAt.at(b, h, j) + d] += ds * Math.abs(eq[data.qAt.at(b, h, i) + d]);
                        }
                    }
                }
            }
        }
        Tolerance tol = new Tolerance(1e-30, 2 * attentionRtol(c));
        if (dk == dq) {
            // One packed buffer: q's, k's and v's gradients side by side (their scales never overlap).
            double[] packedScale = new double[qSize];
            for (int i = 0; i < qSize; i++) {
                packedScale[i] = dqScale[i] + dkScale[i] + dvScale[i];
            }
            Approx.assertClose("attentionBackward dq|dk|dv " + c, new int[] {qSize}, read(dq, qSize), edq,
                    packedScale, tol);
            return;
        }
        Approx.assertClose("attentionBackward dq " + c, new int[] {qSize}, read(dq, qSize), edq, dqScale, tol);
        Approx.assertClose("attentionBackward dk " + c, new int[] {edk.length}, read(dk, edk.length), edk, dkScale,
                tol);
        Approx.assertClose("attentionBackward dv " + c, new int[] {edv.length}, read(dv, edv.length), edv, dvScale,
                tol);
    }

    // ==================================================================== indexing

    @ParameterizedTest
    @MethodSource("indexShapes")
    @Covers(ONE_HOT)
    void oneHotMarksTheLabel(int rows, int classes) {
        int[] labels = randomInts(new Random(35), rows, 0, classes - 1);
        labels[0] = classes - 1;
        Storage out = output(rows * classes);
        backend.oneHot(input(labels), out, rows, classes);
        double[] expected = new double[rows * classes];
        Reference.oneHot(labels, expected, rows, classes);
        Approx.assertClose("oneHot", new int[] {rows, classes}, read(out, rows * classes), expected, Tolerance.EXACT);
    }

    static Stream<Arguments> indexShapes() {
        return Stream.of(Arguments.of(1, 1),
                Arguments.of(5, 3),
                Arguments.of(64, 10),
                Arguments.of(7, 1000),
                Arguments.of(1000, 1));
    }

    /** {@code count} rows of {@code rowLength} read from, or added into, a table of {@code tableRows}. */
    record RowsCase(int count, int tableRows, int rowLength) {
    }

    static Stream<RowsCase> rowsCases() {
        return Stream.of(new RowsCase(1, 1, 1), new RowsCase(6, 3, 4), new RowsCase(64, 10, 33),
                new RowsCase(300, 50, 1), new RowsCase(1000, 1, 3), new RowsCase(17, 200, 257));
    }

    @ParameterizedTest
    @MethodSource("rowsCases")
    @Covers(GATHER_ROWS)
    void gatherRowsCopiesTheIndexedRows(RowsCase c) {
        Random rnd = new Random(36);
        float[] table = uniform(rnd, c.tableRows() * c.rowLength(), -1, 1);
        int[] indices = randomInts(rnd, c.count(), 0, c.tableRows() - 1);
        indices[c.count() - 1] = c.tableRows() - 1;
        int n = c.count() * c.rowLength();
        Storage dst = output(n);
        backend.gatherRows(input(table), input(indices), dst, c.count(), c.rowLength());
        double[] expected = new double[n];
        Reference.gatherRows(Reference.widen(table), indices, expected, c.count(), c.rowLength());
        Approx.assertClose("gatherRows " + c, new int[] {c.count(), c.rowLength()}, read(dst, n), expected,
                Tolerance.EXACT);
    }

    @ParameterizedTest
    @MethodSource("rowsCases")
    @Covers(SCATTER_ADD_ROWS)
    void scatterAddRowsAccumulatesRepeatedIndices(RowsCase c) {
        Random rnd = new Random(37);
        int n = c.count() * c.rowLength();
        float[] src = uniform(rnd, n, -1, 1);
        int[] indices = randomInts(rnd, c.count(), 0, c.tableRows() - 1);
        float[] dst0 = uniform(rnd, c.tableRows() * c.rowLength(), -1, 1);
        Storage dst = output(dst0);
        backend.scatterAddRows(input(src), input(indices), dst, c.count(), c.rowLength());
        double[] expected = Reference.widen(dst0);
        Reference.scatterAddRows(Reference.widen(src), indices, expected, c.count(), c.rowLength());
        double[] scale = Reference.abs(Reference.widen(dst0));
        Reference.scatterAddRows(Reference.abs(Reference.widen(src)), indices, scale, c.count(), c.rowLength());
        Approx.assertClose("scatterAddRows " + c, new int[] {c.tableRows(), c.rowLength()},
                read(dst, dst0.length), expected, scale, Tolerance.sum(c.count() + 1));
    }

    // ==================================================================== convolution

    static Stream<ConvGeometry> convGeometries() {
        return Stream.of(
                // batch, in, inH, inW, out, kH, kW, strideH, strideW, padH, padW
                new ConvGeometry(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0),
                new ConvGeometry(2, 3, 7, 9, 4, 3, 2, 2, 1, 1, 0),   // non-square kernel, stride and pad on H only
                new ConvGeometry(3, 2, 8, 6, 5, 5, 3, 1, 2, 2, 1),
                new ConvGeometry(2, 4, 6, 6, 3, 1, 1, 1, 1, 0, 0),   // 1x1
                new ConvGeometry(1, 2, 4, 5, 2, 4, 5, 1, 1, 0, 0),   // kernel covers the input: 1x1 output
                new ConvGeometry(2, 1, 9, 7, 3, 3, 3, 3, 2, 1, 1),   // stride leaves the last rows unread
                new ConvGeometry(1, 1, 1, 1, 2, 1, 1, 1, 1, 0, 0),
                new ConvGeometry(1, 2, 3, 3, 2, 3, 3, 1, 1, 2, 2),   // corners see a single input cell
                new ConvGeometry(4, 8, 12, 12, 16, 3, 3, 1, 1, 1, 1));
    }

    static Stream<Arguments> convForwardCases() {
        return convGeometries().flatMap(g -> Stream.of(Arguments.of(g, true),
                Arguments.of(g, false)));
    }

    @ParameterizedTest
    @MethodSource("convForwardCases")
    @Covers(CONV2D_FORWARD)
    void conv2dForwardMatchesReference(ConvGeometry g, boolean withBias) {
        Random rnd = new Random(38);
        float[] x = uniform(rnd, g.inputSize(), -1, 1);
        float[] w = uniform(rnd, g.weightSize(), -1, 1);
        float[] bias = withBias ? uniform(rnd, g.outChannels(), -1, 1) : null;
        Storage y = output(g.outputSize());
        backend.conv2dForward(g, input(x), input(w), bias == null ? null : input(bias), y);
        double[] expected = new double[g.outputSize()];
        double[] dBias = bias == null ? null : Reference.widen(bias);
        Reference.conv2dForward(g, Reference.widen(x), Reference.widen(w), dBias, expected);
        double[] scale = new double[g.outputSize()];
        Reference.conv2dForward(g, Reference.abs(Reference.widen(x)), Reference.abs(Reference.widen(w)),
                dBias == null ? null : Reference.abs(dBias), scale);
        Approx.assertClose("conv2dForward " + g + (withBias ? " with bias" : " without bias"),
                new int[] {g.batch(), g.outChannels(), g.outH(), g.outW()}, read(y, g.outputSize()), expected, scale,
                Tolerance.sum(g.inChannels() * g.kernelH() * g.kernelW() + 1));
    }

    @ParameterizedTest
    @MethodSource("convGeometries")
    @Covers(CONV2D_BACKWARD_DATA)
    void conv2dBackwardDataMatchesReference(ConvGeometry g) {
        Random rnd = new Random(39);
        float[] dy = uniform(rnd, g.outputSize(), -1, 1);
        float[] w = uniform(rnd, g.weightSize(), -1, 1);
        Storage dx = output(g.inputSize());
        backend.conv2dBackwardData(g, input(dy), input(w), dx);
        double[] expected = new double[g.inputSize()];
        Reference.conv2dBackwardData(g, Reference.widen(dy), Reference.widen(w), expected);
        double[] scale = new double[g.inputSize()];
        Reference.conv2dBackwardData(g, Reference.abs(Reference.widen(dy)), Reference.abs(Reference.widen(w)), scale);
        // Each input cell receives at most outChannels * ceil(kH / sH) * ceil(kW / sW) terms.
        int terms = g.outChannels() * ceilDiv(g.kernelH(), g.strideH()) * ceilDiv(g.kernelW(), g.strideW());
        Approx.assertClose("conv2dBackwardData " + g, new int[] {g.batch(), g.inChannels(), g.inH(), g.inW()},
                read(dx, g.inputSize()), expected, scale, Tolerance.sum(terms));
    }

    @ParameterizedTest
    @MethodSource("convGeometries")
    @Covers(CONV2D_BACKWARD_WEIGHT)
    void conv2dBackwardWeightMatchesReference(ConvGeometry g) {
        Random rnd = new Random(40);
        float[] x = uniform(rnd, g.inputSize(), -1, 1);
        float[] dy = uniform(rnd, g.outputSize(), -1, 1);
        Storage dw = output(g.weightSize());
        backend.conv2dBackwardWeight(g, input(x), input(dy), dw);
        double[] expected = new double[g.weightSize()];
        Reference.conv2dBackwardWeight(g, Reference.widen(x), Reference.widen(dy), expected);
        double[] scale = new double[g.weightSize()];
        Reference.conv2dBackwardWeight(g, Reference.abs(Reference.widen(x)), Reference.abs(Reference.widen(dy)),
                scale);
        Approx.assertClose("conv2dBackwardWeight " + g,
                new int[] {g.outChannels(), g.inChannels(), g.kernelH(), g.kernelW()}, read(dw, g.weightSize()),
                expected, scale, Tolerance.sum(g.batch() * g.outH() * g.outW()));
    }

    // ==================================================================== pooling

    static Stream<PoolGeometry> poolGeometries() {
        return Stream.of(
                // batch, channels, inH, inW, kH, kW, strideH, strideW, padH, padW
                new PoolGeometry(2, 3, 6, 6, 2, 2, 2, 2, 0, 0),
                new PoolGeometry(1, 2, 7, 5, 3, 3, 2, 2, 1, 1),      // overlapping windows with padding
                new PoolGeometry(2, 1, 8, 9, 3, 2, 2, 3, 1, 1),      // non-square, stride != kernel
                new PoolGeometry(1, 1, 5, 5, 2, 2, 3, 3, 0, 0),      // stride > kernel: cells no window reads
                new PoolGeometry(1, 2, 4, 4, 4, 4, 1, 1, 2, 2),      // padding at its maximum, half the kernel
                new PoolGeometry(1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
                new PoolGeometry(3, 2, 5, 4, 1, 1, 2, 2, 0, 0),
                new PoolGeometry(2, 4, 13, 11, 3, 3, 1, 1, 1, 1));
    }

    /** Pooling input values: continuous, tied small integers, or all negative (padding must not win). */
    enum PoolData {
        RANDOM, TIES, NEGATIVE
    }

    private static float[] poolInput(PoolData data, Random rnd, int n) {
        return switch (data) {
            case RANDOM -> uniform(rnd, n, -1, 1);
            case TIES -> smallInts(rnd, n, 0, 2);
            case NEGATIVE -> uniform(rnd, n, -3, -1);
        };
    }

    static Stream<Arguments> maxPoolCases() {
        return poolGeometries().flatMap(g -> Arrays.stream(PoolData.values())
                .map(d -> Arguments.of(g, d)));
    }

    @ParameterizedTest
    @MethodSource("maxPoolCases")
    @Covers(MAX_POOL2D_FORWARD)
    void maxPool2dForwardIgnoresPaddingAndTakesTheFirstMaximum(PoolGeometry g, PoolData data) {
        float[] x = poolInput(data, new Random(41), g.inputSize());
        Storage y = output(g.outputSize());
        Storage indices = intOutput(g.outputSize());
        backend.maxPool2dForward(g, input(x), y, indices);
        double[] expected = new double[g.outputSize()];
        int[] expectedIndices = new int[g.outputSize()];
        Reference.maxPool2dForward(g, Reference.widen(x), expected, expectedIndices);
        int[] shape = {g.batch(), g.channels(), g.outH(), g.outW()};
        Approx.assertClose("maxPool2dForward " + g + " " + data, shape, read(y, g.outputSize()), expected,
                Tolerance.EXACT);
        Approx.assertEqualInts("maxPool2dForward indices " + g + " " + data, shape,
                readInts(indices, g.outputSize()), expectedIndices);
    }

    @ParameterizedTest
    @MethodSource("poolGeometries")
    @Covers(MAX_POOL2D_BACKWARD)
    void maxPool2dBackwardRoutesToTheWinners(PoolGeometry g) {
        Random rnd = new Random(42);
        // Tied inputs make overlapping windows share winners, whose gradients must add up.
        float[] x = poolInput(PoolData.TIES, rnd, g.inputSize());
        double[] y = new double[g.outputSize()];
        int[] indices = new int[g.outputSize()];
        Reference.maxPool2dForward(g, Reference.widen(x), y, indices);
        float[] dy = uniform(rnd, g.outputSize(), -1, 1);
        Storage dx = output(g.inputSize());
        backend.maxPool2dBackward(g, input(dy), input(indices), dx);
        double[] expected = new double[g.inputSize()];
        Reference.maxPool2dBackward(g, Reference.widen(dy), indices, expected);
        double[] scale = new double[g.inputSize()];
        Reference.maxPool2dBackward(g, Reference.abs(Reference.widen(dy)), indices, scale);
        Approx.assertClose("maxPool2dBackward " + g, new int[] {g.batch(), g.channels(), g.inH(), g.inW()},
                read(dx, g.inputSize()), expected, scale, Tolerance.sum(g.kernelH() * g.kernelW()));
    }

    @ParameterizedTest
    @MethodSource("poolGeometries")
    @Covers(AVG_POOL2D_FORWARD)
    void avgPool2dForwardCountsPaddingAsZeros(PoolGeometry g) {
        float[] x = uniform(new Random(43), g.inputSize(), 0.5f, 1.5f);
        Storage y = output(g.outputSize());
        backend.avgPool2dForward(g, input(x), y);
        double[] expected = new double[g.outputSize()];
        Reference.avgPool2dForward(g, Reference.widen(x), expected);
        Approx.assertClose("avgPool2dForward " + g, new int[] {g.batch(), g.channels(), g.outH(), g.outW()},
                read(y, g.outputSize()), expected, Tolerance.sum(g.kernelH() * g.kernelW() + 1));
    }

    @ParameterizedTest
    @MethodSource("poolGeometries")
    @Covers(AVG_POOL2D_BACKWARD)
    void avgPool2dBackwardSpreadsOverTheKernel(PoolGeometry g) {
        float[] dy = uniform(new Random(44), g.outputSize(), -1, 1);
        Storage dx = output(g.inputSize());
        backend.avgPool2dBackward(g, input(dy), dx);
        double[] expected = new double[g.inputSize()];
        Reference.avgPool2dBackward(g, Reference.widen(dy), expected);
        double[] scale = new double[g.inputSize()];
        Reference.avgPool2dBackward(g, Reference.abs(Reference.widen(dy)), scale);
        int terms = ceilDiv(g.kernelH(), g.strideH()) * ceilDiv(g.kernelW(), g.strideW()) + 1;
        Approx.assertClose("avgPool2dBackward " + g, new int[] {g.batch(), g.channels(), g.inH(), g.inW()},
                read(dx, g.inputSize()), expected, scale, Tolerance.sum(terms));
    }

    // ==================================================================== optimizers

    /** A sequence of SGD steps with one configuration; the first may be PyTorch's first step. */
    record SgdCase(String name, float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                   boolean startsFresh, int steps) {
        SgdParams params(int step) {
            return new SgdParams(lr, momentum, dampening, weightDecay, nesterov, startsFresh && step == 0);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<SgdCase> sgdCases() {
        return Stream.of(
                new SgdCase("plain, no velocity buffer", 0.1f, 0, 0, 0, false, true, 2),
                new SgdCase("weight decay, no momentum", 0.05f, 0, 0, 0.01f, false, true, 2),
                new SgdCase("momentum from the first step", 0.1f, 0.9f, 0, 1e-4f, false, true, 3),
                // PyTorch's first step copies the gradient into the buffer: no dampening on it.
                new SgdCase("momentum with dampening from the first step", 0.1f, 0.9f, 0.5f, 0, false, true, 3),
                new SgdCase("momentum with dampening, resumed", 0.1f, 0.9f, 0.1f, 0, false, false, 3),
                new SgdCase("nesterov from the first step", 0.05f, 0.9f, 0, 0.01f, true, true, 3),
                new SgdCase("nesterov with dampening, resumed", 0.05f, 0.8f, 0.3f, 0.01f, true, false, 2));
    }

    /**
     * Several steps; before each, the backend's own state is the reference's input, so every step is
     * judged alone and errors cannot compound.
     */
    @ParameterizedTest
    @MethodSource("sgdCases")
    @Covers(SGD_UPDATE)
    void sgdFollowsPyTorch(SgdCase c) {
        Random rnd = new Random(45);
        int n = 1031;
        boolean momentum = c.momentum() != 0;
        Storage param = output(uniform(rnd, n, -1, 1));
        Storage velocity = momentum ? output(c.startsFresh() ? nans(n) : uniform(rnd, n, -0.5f, 0.5f)) : null;
        for (int step = 0; step < c.steps(); step++) {
            float[] grad = uniform(rnd, n, -1, 1);
            grad[step] = 0f;
            double[] p = Reference.widen(read(param, n));
            double[] v = momentum ? Reference.widen(read(velocity, n)) : null;
            SgdParams params = c.params(step);
            backend.sgdUpdate(param, input(grad), velocity, n, params);
            Reference.sgdUpdate(p, Reference.widen(grad), v, n, params);
            String what = "sgdUpdate " + c + ", step " + (step + 1) + " " + params;
            Approx.assertClose(what + ": param", new int[] {n}, read(param, n), p, OPTIMIZER);
            if (momentum) {
                Approx.assertClose(what + ": velocity", new int[] {n}, read(velocity, n), v, OPTIMIZER);
            }
        }
    }

    /** Adam or AdamW for {@code steps} steps from {@code firstStep}. */
    record AdamCase(String name, float lr, float weightDecay, boolean decoupled, int firstStep, int steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<AdamCase> adamCases() {
        return Stream.of(
                new AdamCase("Adam", 1e-2f, 0, false, 1, 5),
                new AdamCase("Adam with L2 weight decay", 1e-2f, 0.01f, false, 1, 5),
                new AdamCase("AdamW", 1e-2f, 0.05f, true, 1, 5),
                new AdamCase("Adam resumed at step 1000", 1e-3f, 0, false, 1000, 3));
    }

    @ParameterizedTest
    @MethodSource("adamCases")
    @Covers(ADAM_UPDATE)
    void adamFollowsPyTorch(AdamCase c) {
        Random rnd = new Random(46);
        int n = 1031;
        boolean fresh = c.firstStep() == 1;
        Storage param = output(uniform(rnd, n, -1, 1));
        Storage m = output(fresh ? new float[n] : uniform(rnd, n, -0.1f, 0.1f));
        Storage v = output(fresh ? new float[n] : uniform(rnd, n, 1e-4f, 1e-2f));
        for (int s = 0; s < c.steps(); s++) {
            float[] grad = uniform(rnd, n, -1, 1);
            grad[s] = 0f;
            double[] p = Reference.widen(read(param, n));
            double[] mr = Reference.widen(read(m, n));
            double[] vr = Reference.widen(read(v, n));
            AdamParams params = new AdamParams(c.lr(), 0.9f, 0.999f, 1e-8f, c.weightDecay(), c.decoupled(),
                    c.firstStep() + s);
            backend.adamUpdate(param, input(grad), m, v, n, params);
            Reference.adamUpdate(p, Reference.widen(grad), mr, vr, n, params);
            String what = "adamUpdate " + c + ", " + params;
            Approx.assertClose(what + ": param", new int[] {n}, read(param, n), p, OPTIMIZER);
            Approx.assertClose(what + ": m", new int[] {n}, read(m, n), mr, new Tolerance(2e-8, 8 * FLOAT_EPS));
            Approx.assertClose(what + ": v", new int[] {n}, read(v, n), vr, new Tolerance(1e-12, 8 * FLOAT_EPS));
        }
    }

    // ==================================================================== storage helpers

    /** Frees {@code s} when the test ends. */
    protected final Storage track(Storage s) {
        allocated.add(s);
        return s;
    }

    /** An input buffer holding {@code data}; the test fails if the primitive changes it. */
    protected final Storage input(float[] data) {
        Storage s = track(backend.allocate(DType.FLOAT32, data.length));
        backend.upload(data, 0, s, 0, data.length);
        inputs.add(Map.entry(s, data.clone()));
        return s;
    }

    /** An INT32 input buffer holding {@code data}; the test fails if the primitive changes it. */
    protected final Storage input(int[] data) {
        Storage s = track(backend.allocate(DType.INT32, data.length));
        backend.upload(data, 0, s, 0, data.length);
        inputs.add(Map.entry(s, data.clone()));
        return s;
    }

    /** An output of {@code n} elements that starts as NaN, followed by guard elements. */
    protected final Storage output(int n) {
        return output(nans(n));
    }

    /** A buffer the primitive updates in place, starting as {@code initial}, followed by guard elements. */
    protected final Storage output(float[] initial) {
        Storage s = track(backend.allocate(DType.FLOAT32, initial.length + GUARD));
        float[] all = Arrays.copyOf(initial, initial.length + GUARD);
        Arrays.fill(all, initial.length, all.length, SENTINEL);
        backend.upload(all, 0, s, 0, all.length);
        guarded.put(s, initial.length);
        return s;
    }

    /** An INT32 output of {@code n} elements that starts as -99, followed by guard elements. */
    protected final Storage intOutput(int n) {
        Storage s = track(backend.allocate(DType.INT32, n + GUARD));
        int[] all = new int[n + GUARD];
        Arrays.fill(all, 0, n, INT_UNWRITTEN);
        Arrays.fill(all, n, all.length, INT_SENTINEL);
        backend.upload(all, 0, s, 0, all.length);
        guarded.put(s, n);
        return s;
    }

    /** The first {@code n} elements, after checking that the guard elements of an output are intact. */
    protected final float[] read(Storage s, int n) {
        float[] all = downloadAll(s);
        Integer payload = guarded.get(s);
        if (payload != null) {
            for (int i = payload; i < all.length; i++) {
                if (all[i] != SENTINEL) {
                    throw new AssertionError("wrote past the end of an output of " + payload + " elements: element "
                            + i + " is " + all[i]);
                }
            }
        }
        return Arrays.copyOf(all, n);
    }

    /** The first {@code n} INT32 elements, after checking the guard elements. */
    protected final int[] readInts(Storage s, int n) {
        int[] all = downloadAllInts(s);
        Integer payload = guarded.get(s);
        if (payload != null) {
            for (int i = payload; i < all.length; i++) {
                if (all[i] != INT_SENTINEL) {
                    throw new AssertionError("wrote past the end of an int32 output of " + payload
                            + " elements: element " + i + " is " + all[i]);
                }
            }
        }
        return Arrays.copyOf(all, n);
    }

    private float[] downloadAll(Storage s) {
        float[] all = new float[s.size()];
        backend.download(s, 0, all, 0, all.length);
        return all;
    }

    private int[] downloadAllInts(Storage s) {
        int[] all = new int[s.size()];
        backend.download(s, 0, all, 0, all.length);
        return all;
    }

    // ==================================================================== data helpers

    /** {@code n} floats uniform in {@code [lo, hi)}. */
    protected static float[] uniform(Random rnd, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + (hi - lo) * rnd.nextFloat();
        }
        return x;
    }

    /** {@code n} floats with magnitude in {@code [lo, hi)} and random sign: safe divisors. */
    protected static float[] signedAway(Random rnd, int n, float lo, float hi) {
        float[] x = uniform(rnd, n, lo, hi);
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextBoolean() ? x[i] : -x[i];
        }
        return x;
    }

    /** {@code n} integral floats in {@code [lo, hi]}. */
    protected static float[] smallInts(Random rnd, int n, int lo, int hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + rnd.nextInt(hi - lo + 1);
        }
        return x;
    }

    /** {@code n} ints in {@code [lo, hi]}. */
    protected static int[] randomInts(Random rnd, int n, int lo, int hi) {
        int[] x = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + rnd.nextInt(hi - lo + 1);
        }
        return x;
    }

    private static float[] nans(int n) {
        float[] x = new float[n];
        Arrays.fill(x, Float.NaN);
        return x;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}

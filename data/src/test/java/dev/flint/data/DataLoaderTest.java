package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.DType;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DataLoaderTest {
    /** The float64 reference backend of flint-core's tests (registered on the test class path only). */
    private static final Backend BACKEND = Backends.get("reference");

    private static DataLoader loader(Dataset d, int batch, boolean shuffle, long seed, boolean dropLast) {
        return DataLoader.builder(d).batchSize(batch).shuffle(shuffle).seed(seed).dropLast(dropLast)
                .backend(BACKEND).build();
    }

    /**
     * The source index of each sample of each batch, read back from the tensors (sample i holds {i, -i});
     * also checks shapes, dtypes and that each label belongs to its features.
     */
    private static List<int[]> visit(Iterable<Batch> epoch, Dataset d) {
        List<int[]> batches = new ArrayList<>();
        List<Batch> open = new ArrayList<>();
        for (Batch b : epoch) {
            open.add(b);
        }
        // Read only after the whole epoch is assembled: later batches must not overwrite earlier ones,
        // although they are assembled in the same host buffer.
        for (Batch b : open) {
            try (b) {
                int n = b.size();
                assertEquals(Shape.of(n, 2), b.features().shape());
                assertEquals(Shape.of(n), b.labels().shape());
                assertEquals(DType.FLOAT32, b.features().dtype());
                assertEquals(DType.INT32, b.labels().dtype());
                assertEquals(BACKEND, b.features().backend());
                float[] x = b.features().toFloatArray();
                int[] y = b.labels().toIntArray();
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = (int) x[2 * i];
                    assertEquals(-idx[i], x[2 * i + 1]);
                    assertEquals(d.label(idx[i]), y[i], "label of sample " + idx[i]);
                }
                batches.add(idx);
            }
            assertTrue(b.features().isClosed() && b.labels().isClosed());
        }
        return batches;
    }

    private static int[] flat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @ParameterizedTest(name = "n={0} batch={1} shuffle={2} dropLast={3}")
    @CsvSource({
            "10, 3, false, false", "10, 3, true, false", "10, 3, false, true", "10, 3, true, true",
            "12, 4, true, false", "12, 4, true, true", "7, 7, true, false", "7, 10, false, false",
            "1000, 64, true, false", "1000, 64, true, true"})
    void anEpochVisitsEverySampleExactlyOnce(int n, int batch, boolean shuffle, boolean dropLast) {
        Dataset d = DatasetsTest.numbered(n, 3);
        DataLoader loader = loader(d, batch, shuffle, 123, dropLast);
        for (int epoch = 0; epoch < 2; epoch++) {
            List<int[]> batches = visit(loader, d);
            int full = n / batch;
            int rest = n % batch;
            int expectedBatches = full + (rest > 0 && !dropLast ? 1 : 0);
            assertEquals(expectedBatches, batches.size());
            assertEquals(expectedBatches, loader.batches());
            for (int k = 0; k < batches.size(); k++) {
                int expectedSize = k < full ? batch : rest;
                assertEquals(expectedSize, batches.get(k).length, "batch " + k);
            }
            int[] seen = flat(batches);
            assertEquals(loader.samplesPerEpoch(), seen.length);
            int[] sorted = seen.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                assertTrue(sorted[i] != sorted[i - 1], "sample " + sorted[i] + " visited twice");
            }
            if (!dropLast) {
                for (int i = 0; i < n; i++) {
                    assertEquals(i, sorted[i]);
                }
            }
            if (!shuffle) {
                for (int i = 0; i < seen.length; i++) {
                    assertEquals(i, seen[i]);
                }
            }
            assertArrayEquals(Arrays.copyOf(loader.order(epoch), seen.length), seen);
        }
        assertEquals(2, loader.epochsStarted());
    }

    @Test
    void theSameSeedGivesTheSameOrderAndEachEpochANewOne() {
        Dataset d = DatasetsTest.numbered(100, 3);
        DataLoader a = loader(d, 16, true, 42, false);
        DataLoader b = loader(d, 16, true, 42, false);
        int[] a0 = flat(visit(a, d));
        int[] a1 = flat(visit(a, d));
        assertArrayEquals(a0, flat(visit(b, d)));
        assertArrayEquals(a1, flat(visit(b, d)));
        assertFalse(Arrays.equals(a0, a1), "epochs 0 and 1 visit in the same order");
        int[] identity = new int[100];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, a0), "shuffled epoch kept the dataset order");
        assertFalse(Arrays.equals(a0, flat(visit(loader(d, 16, true, 43, false), d))),
                "seeds 42 and 43 give the same order");
        // An epoch is reproducible on its own, without iterating the ones before it.
        assertArrayEquals(a1, flat(visit(loader(d, 16, true, 42, false).epoch(1), d)));
    }

    @Test
    void batchesOfImagesKeepTheSampleShape() {
        Dataset d = Datasets.range(EmbeddedMnist.train(), 0, 100);
        DataLoader loader = DataLoader.builder(d).batchSize(64).backend(BACKEND).build();
        Iterator<Batch> it = loader.iterator();
        try (Batch first = it.next(); Batch second = it.next()) {
            assertEquals(Shape.of(64, 1, 28, 28), first.features().shape());
            assertEquals(Shape.of(36, 1, 28, 28), second.features().shape());
            assertEquals(Shape.of(36), second.labels().shape());
            float[] expected = new float[784];
            d.copySample(64, expected, 0);
            assertArrayEquals(expected, Arrays.copyOf(second.features().toFloatArray(), 784));
        }
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void aScopeClosesTheBatchesMadeInsideIt() {
        Dataset d = DatasetsTest.numbered(10, 2);
        List<Batch> made = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            for (Batch b : loader(d, 4, false, 0, false)) {
                made.add(b);
            }
        }
        assertEquals(3, made.size());
        for (Batch b : made) {
            assertTrue(b.features().isClosed() && b.labels().isClosed());
        }
    }

    @Test
    void rejectsOptionsThatMakeNoBatch() {
        Dataset d = DatasetsTest.numbered(5, 2);
        assertEquals("DataLoader: batchSize must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(d).batchSize(0)).getMessage());
        assertEquals("DataLoader: 5 samples with batch size 8 and dropLast make no batch",
                assertThrows(IllegalArgumentException.class, () -> loader(d, 8, false, 0, true)).getMessage());
        assertEquals("DataLoader: 0 samples with batch size 8 make no batch",
                assertThrows(IllegalArgumentException.class,
                        () -> loader(Datasets.subset(d), 8, false, 0, false)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> loader(d, 2, false, 0, false).order(-1));
    }

    @Test
    void describesItself() {
        Dataset d = DatasetsTest.numbered(10, 2);
        assertEquals("DataLoader(10 samples, batch 4, 3 batches, shuffled with seed 5, on 'reference')",
                loader(d, 4, true, 5, false).toString());
        assertEquals("DataLoader(10 samples, batch 4, 2 batches, drop last, on 'reference')",
                loader(d, 4, false, 5, true).toString());
    }
}

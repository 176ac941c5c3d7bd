package dev.flint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Shape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetsTest {

    /** {@code n} samples of shape (2); sample i holds {i, -i}; labels cycle through {@code classes} unevenly. */
    static ArrayDataset numbered(int n, int classes) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            // class c gets roughly twice as many samples as class c + 1: uneven on purpose
            y[i] = Integer.numberOfTrailingZeros(i + 1) % classes;
        }
        return new ArrayDataset(x, y, classes, 2);
    }

    /** The source index of every sample of a view built over {@link #numbered}. */
    static int[] sourceIndices(Dataset view) {
        int[] out = new int[view.size()];
        float[] x = new float[2];
        for (int i = 0; i < out.length; i++) {
            view.copySample(i, x, 0);
            out[i] = (int) x[0];
        }
        return out;
    }

    @Test
    void splitIsDisjointCompleteAndSized() {
        ArrayDataset d = numbered(1000, 4);
        Datasets.Split s = Datasets.split(d, 0.2, 7);
        assertEquals(800, s.train().size());
        assertEquals(200, s.validation().size());
        Set<Integer> seen = new HashSet<>();
        for (int i : sourceIndices(s.train())) {
            assertTrue(seen.add(i));
        }
        for (int i : sourceIndices(s.validation())) {
            assertTrue(seen.add(i), "sample " + i + " in both parts");
        }
        assertEquals(1000, seen.size());
        // Each part keeps source order.
        int[] t = sourceIndices(s.train());
        int[] sorted = t.clone();
        Arrays.sort(sorted);
        assertArrayEquals(sorted, t);
        assertEquals(Shape.of(2), s.train().sampleShape());
        assertEquals(4, s.validation().numClasses());
    }

    @Test
    void splitDependsOnlyOnTheSeed() {
        ArrayDataset d = numbered(500, 3);
        assertArrayEquals(sourceIndices(Datasets.split(d, 0.1, 42).validation()),
                sourceIndices(Datasets.split(d, 0.1, 42).validation()));
        assertFalse(Arrays.equals(sourceIndices(Datasets.split(d, 0.1, 42).validation()),
                sourceIndices(Datasets.split(d, 0.1, 43).validation())));
    }

    @Test
    void stratifiedSplitKeepsClassProportions() {
        ArrayDataset d = numbered(1000, 4);
        int[] all = Datasets.classCounts(d);
        Datasets.Split s = Datasets.split(d, 0.25, 3, true);
        int[] validation = Datasets.classCounts(s.validation());
        int[] train = Datasets.classCounts(s.train());
        for (int c = 0; c < 4; c++) {
            assertEquals(Math.round(all[c] * 0.25), validation[c], "class " + c);
            assertEquals(all[c], validation[c] + train[c], "class " + c);
        }
        // the labels of a view are those of the source samples
        int[] src = sourceIndices(s.validation());
        for (int i = 0; i < src.length; i++) {
            assertEquals(d.label(src[i]), s.validation().label(i));
        }
    }

    @Test
    void splitRejectsBadFractions() {
        ArrayDataset d = numbered(10, 2);
        assertEquals("split: validationFraction must be strictly between 0 and 1, got 1.0",
                assertThrows(IllegalArgumentException.class, () -> Datasets.split(d, 1.0, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(d, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(d, Double.NaN, 1));
        assertEquals("split: a validation fraction of 0.01 of 10 samples gives 0 validation and 10 training "
                + "samples; both must be non-empty",
                assertThrows(IllegalArgumentException.class, () -> Datasets.split(d, 0.01, 1)).getMessage());
    }

    @Test
    void balancedSubsetTakesTheSameNumberOfEachClass() {
        ArrayDataset d = numbered(1000, 3);
        Dataset b = Datasets.balancedSubset(d, 50, 9);
        assertArrayEquals(new int[] {50, 50, 50}, Datasets.classCounts(b));
        assertArrayEquals(Datasets.balancedIndices(d, 50, 9), sourceIndices(b));
        assertFalse(Arrays.equals(Datasets.balancedIndices(d, 50, 9), Datasets.balancedIndices(d, 50, 10)));
        int smallest = Arrays.stream(Datasets.classCounts(d)).min().orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.balancedSubset(d, smallest + 1, 9));
        assertTrue(e.getMessage().matches("balancedSubset: class \\d has " + smallest + " samples, "
                + (smallest + 1) + " requested"), e.getMessage());
    }

    @Test
    void subsetAndRangeAreViewsInTheGivenOrder() {
        ArrayDataset d = numbered(10, 2);
        assertArrayEquals(new int[] {3, 3, 0, 9}, sourceIndices(Datasets.subset(d, 3, 3, 0, 9)));
        assertArrayEquals(new int[] {4, 5, 6}, sourceIndices(Datasets.range(d, 4, 7)));
        assertArrayEquals(new int[] {d.label(7), d.label(1)}, Datasets.labels(Datasets.subset(d, 7, 1)));
        assertEquals("subset: index 10 at position 1 is outside [0, 10)",
                assertThrows(IndexOutOfBoundsException.class, () -> Datasets.subset(d, 2, 10)).getMessage());
        assertEquals("range: [5, 11) is not within [0, 10)",
                assertThrows(IndexOutOfBoundsException.class, () -> Datasets.range(d, 5, 11)).getMessage());
    }

    @Test
    void arrayDatasetChecksItsArguments() {
        assertEquals("ArrayDataset: 3 labels of samples shaped [2, 2] need 12 features, got 11",
                assertThrows(IllegalArgumentException.class,
                        () -> new ArrayDataset(new float[11], new int[3], 2, 2, 2)).getMessage());
        assertEquals("ArrayDataset: label 2 of sample 1 is outside [0, 2)",
                assertThrows(IllegalArgumentException.class,
                        () -> new ArrayDataset(new float[2], new int[] {0, 2}, 2, 1)).getMessage());
        ArrayDataset d = new ArrayDataset(new float[] {1, 2, 3, 4, 5, 6}, new int[] {1, 0}, 2, Shape.of(1, 3));
        float[] out = new float[5];
        assertEquals(0, d.copySample(1, out, 2));
        assertArrayEquals(new float[] {0, 0, 4, 5, 6}, out);
        assertEquals(3, d.sampleSize());
        assertThrows(IndexOutOfBoundsException.class, () -> d.label(2));
    }

    @Test
    void permutationsArePermutationsAndVaryWithTheSeed() {
        int[] p = Permutations.random(1000, 5);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertArrayEquals(p, Permutations.random(1000, 5));
        assertFalse(Arrays.equals(p, Permutations.random(1000, 6)));
        assertFalse(Arrays.equals(p, sorted));
        // Every position receives every value about equally often (Fisher-Yates without bias).
        int n = 5;
        int[][] counts = new int[n][n];
        for (int seed = 0; seed < 20_000; seed++) {
            int[] q = Permutations.random(n, Permutations.derive(11, seed));
            for (int i = 0; i < n; i++) {
                counts[i][q[i]]++;
            }
        }
        for (int[] row : counts) {
            for (int c : row) {
                assertEquals(4000, c, 250);
            }
        }
    }
}

package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class IndexingTest {

    @Test
    void scatterAddAccumulatesRepeatedIndicesOverManyColumns() {
        int rowLength = 5000;   // wide enough that the columns split over threads
        int[] indices = {2, 0, 2, 2, 1};
        float[] src = new float[indices.length * rowLength];
        for (int i = 0; i < src.length; i++) {
            src[i] = i % 13;
        }
        float[] dst = new float[3 * rowLength];
        java.util.Arrays.fill(dst, 1f);
        Indexing.scatterAddRows(src, indices, dst, indices.length, rowLength);
        float[] expected = new float[dst.length];
        java.util.Arrays.fill(expected, 1f);
        for (int i = 0; i < indices.length; i++) {
            for (int c = 0; c < rowLength; c++) {
                expected[indices[i] * rowLength + c] += src[i * rowLength + c];
            }
        }
        assertArrayEquals(expected, dst);
    }

    @Test
    void gatherAndOneHot() {
        float[] table = {0, 1, 10, 11, 20, 21};
        float[] out = new float[6];
        Indexing.gatherRows(table, new int[] {2, 0, 2}, out, 3, 2);
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21}, out);
        float[] hot = new float[6];
        java.util.Arrays.fill(hot, 9f);
        Indexing.oneHot(new int[] {2, 0}, hot, 2, 3);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, hot);
    }
}

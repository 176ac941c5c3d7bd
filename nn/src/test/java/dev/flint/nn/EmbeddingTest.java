package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.DType;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingTest {

    private static Tensor ids(int[] values, int... dims) {
        return Tensor.onDefault().fromInts(values, Shape.of(dims));
    }

    @Test
    void looksUpRowsForIndicesOfAnyShape() {
        try (Embedding e = new Embedding(4, 3, new Rng(1))) {
            float[] table = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};
            e.loadStateDict(Map.of("weight", Tensor.onDefault().fromFloats(table, Shape.of(4, 3))));
            Tensor y = e.forward(ids(new int[] {3, 0, 3, 2}, 2, 2));
            assertEquals(Shape.of(2, 2, 3), y.shape());
            // torch.nn.Embedding with this weight gives exactly the rows
            assertArrayEquals(new float[] {30, 31, 32, 0, 1, 2, 30, 31, 32, 20, 21, 22}, y.toFloatArray());
        }
    }

    @Test
    void gradientsAddUpOverRepeatsAndSkipThePaddingRow() {
        try (Embedding e = new Embedding(5, 2, 1, new Rng(2))) {
            assertArrayEquals(new float[] {0, 0}, java.util.Arrays.copyOfRange(e.weight().toFloatArray(), 2, 4),
                    "the padding row starts at zero");
            Tensor idx = ids(new int[] {0, 1, 3, 0, 1, 1}, 2, 3);
            Tensor w = Tensor.onDefault().fromFloats(LayerValues.wave(12, 0.3, 0.2, 1.0), Shape.of(2, 3, 2));
            e.forward(idx).mul(w).sum().backward();
            float[] g = e.weight().grad().toFloatArray();
            float[] wv = w.toFloatArray();
            // F.embedding(idx, weight, padding_idx=1): row 0 gets the weights of positions 0 and 3, row 3 of 2,
            // the padding row (1) nothing, rows 2 and 4 nothing.
            assertArrayEquals(new float[] {wv[0] + wv[6], wv[1] + wv[7], 0, 0, 0, 0, wv[4], wv[5], 0, 0}, g, 1e-6f);
        }
    }

    @Test
    void initialisesAsAStandardNormal() {
        try (Embedding e = new Embedding(200, 50, new Rng(3))) {
            double sum = 0;
            double sq = 0;
            for (float v : e.weight().toFloatArray()) {
                sum += v;
                sq += v * v;
            }
            double mean = sum / 10_000;
            double var = sq / 10_000 - mean * mean;
            assertTrue(Math.abs(mean) < 0.05 && Math.abs(var - 1) < 0.05, "mean " + mean + ", variance " + var);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        // The padding row (2) is left out: its gradient is 0 by definition, not by derivative.
        try (Embedding e = new Embedding(6, 3, 2, new Rng(4))) {
            Tensor idx = ids(new int[] {5, 1, 0, 5}, 4);
            LayerGradients.assertGradients(new Module() {
                @Override
                public Tensor forward(Tensor x) {
                    return e.forward(idx).mul(x);
                }

                {
                    registerModule("e", e);
                }
            }, Tensor.onDefault().randn(Shape.of(4, 3), new Rng(5)));
        }
    }

    @Test
    void weightIsTheLiveParameterForTying() {
        try (Embedding e = new Embedding(7, 4, new Rng(6))) {
            assertSame(e.namedParameters().get("weight"), e.weight());
        }
    }

    @Test
    void rejectsBadIndicesNamingThem() {
        try (Embedding e = new Embedding(4, 3, new Rng(7))) {
            IllegalArgumentException out = assertThrows(IllegalArgumentException.class,
                    () -> e.forward(ids(new int[] {0, 4}, 2)));
            assertTrue(out.getMessage().contains("index 4") && out.getMessage().contains("[0, 4)"), out.getMessage());
            IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                    () -> e.forward(Tensor.onDefault().zeros(Shape.of(2))));
            assertTrue(dtype.getMessage().contains("int32"), dtype.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 3, 4, new Rng(1)));
            assertEquals(DType.FLOAT32, e.forward(ids(new int[] {1}, 1)).dtype());
        }
    }
}

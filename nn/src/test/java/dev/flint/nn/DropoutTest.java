package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DropoutTest {

    @Test
    void trainingZeroesAboutPAndScalesTheRestByOneOverOneMinusP() {
        Dropout drop = new Dropout(0.25f, new Rng(1));
        float[] y = drop.forward(Tensor.onDefault().ones(Shape.of(100, 100))).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0f) {
                zeros++;
            } else {
                assertEquals(1 / 0.75f, v, 1e-6f);
            }
        }
        // 10,000 Bernoulli(0.25) draws: the count lies within 5 standard deviations (about 217) of 2,500.
        assertTrue(Math.abs(zeros - 2500) < 217, zeros + " zeros");
    }

    @Test
    void evalModeIsTheIdentity() {
        Dropout drop = new Dropout(0.5f, new Rng(1));
        drop.eval();
        Tensor x = Tensor.onDefault().randn(Shape.of(4, 4), new Rng(2));
        assertSame(x, drop.forward(x));
        drop.train();
        assertTrue(drop.isTraining());
    }

    @Test
    void sameSeedGivesTheSameMasks() {
        Tensor x = Tensor.onDefault().ones(Shape.of(8, 8));
        float[] a = new Dropout(0.5f, new Rng(3)).forward(x).toFloatArray();
        float[] b = new Dropout(0.5f, new Rng(3)).forward(x).toFloatArray();
        assertArrayEquals(a, b);
    }

    @Test
    void gradientsMatchFiniteDifferencesForAFixedMask() {
        // A fresh generator per evaluation, so every finite-difference evaluation draws the same mask.
        Module fixedMask = new Module() {
            @Override
            public Tensor forward(Tensor x) {
                return new Dropout(0.4f, new Rng(11)).forward(x);
            }
        };
        LayerGradients.assertGradients(fixedMask, Tensor.onDefault().randn(Shape.of(5, 6), new Rng(4)));
    }

    @Test
    void rejectsAProbabilityOfOneOrMore() {
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1f, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1f, new Rng(1)));
    }
}

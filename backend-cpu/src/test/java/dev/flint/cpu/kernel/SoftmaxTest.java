package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SoftmaxTest {

    @Test
    void hugeLogitsStayFinite() {
        float[] x = {1000f, 1001f, 999f, -1000f, 0f, 1000f};
        float[] y = new float[6];
        Softmax.forward(false, x, y, 2, 3);
        double z = Math.exp(-1) + 1 + Math.exp(-2);
        assertEquals(Math.exp(-1) / z, y[0], 1e-6);
        assertEquals(1 / z, y[1], 1e-6);
        assertEquals(0, y[3], 1e-6);
        assertEquals(1, y[5], 1e-6);
        float[] logY = new float[6];
        Softmax.forward(true, x, logY, 2, 3);
        assertEquals(-1 - Math.log(z), logY[0], 1e-5);
        assertEquals(-2000, logY[3], 1e-2);
    }

    @Test
    void crossEntropyMatchesLogSoftmaxAndItsGradient() {
        float[] logits = {2f, -1f, 0.5f, 300f, 299f, -5f};
        int[] labels = {2, 0};
        float[] probs = new float[6];
        float[] losses = new float[2];
        Softmax.crossEntropyForward(logits, labels, probs, losses, 2, 3);
        float[] logY = new float[6];
        Softmax.forward(true, logits, logY, 2, 3);
        assertEquals(-logY[2], losses[0], 1e-6);
        assertEquals(-logY[3], losses[1], 1e-6);

        float[] dLogits = new float[6];
        Softmax.crossEntropyBackward(probs, labels, new float[] {2f, 0.5f}, dLogits, 2, 3);
        assertEquals(2 * probs[0], dLogits[0], 1e-7);
        assertEquals(2 * (probs[2] - 1), dLogits[2], 1e-7);
        assertEquals(0.5 * (probs[3] - 1), dLogits[3], 1e-7);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        float[] x = {0.3f, -1.2f, 2.0f, 0.7f};
        float[] dy = {0.5f, -0.25f, 1.0f, 0.1f};
        for (boolean log : new boolean[] {false, true}) {
            float[] y = new float[4];
            Softmax.forward(log, x, y, 1, 4);
            float[] dx = new float[4];
            Softmax.backward(log, y, dy, dx, 1, 4);
            for (int i = 0; i < 4; i++) {
                double h = 1e-3;
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += (float) h;
                minus[i] -= (float) h;
                float[] yp = new float[4];
                float[] ym = new float[4];
                Softmax.forward(log, plus, yp, 1, 4);
                Softmax.forward(log, minus, ym, 1, 4);
                double numeric = 0;
                for (int j = 0; j < 4; j++) {
                    numeric += dy[j] * (yp[j] - ym[j]) / (plus[i] - minus[i]);
                }
                assertEquals(numeric, dx[i], 2e-3, "log=" + log + " d/dx" + i);
            }
        }
    }
}

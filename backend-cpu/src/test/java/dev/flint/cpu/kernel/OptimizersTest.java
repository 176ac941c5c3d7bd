package dev.flint.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.AdamParams;
import dev.flint.backend.SgdParams;
import org.junit.jupiter.api.Test;

/** Two steps of each rule against the formulas of SgdParams and AdamParams, in double. */
class OptimizersTest {

    @Test
    void sgdNesterovWithDampeningAndDecay() {
        float[] param = {1f, -2f};
        float[] grad = {0.5f, 0.25f};
        float[] vel = {99f, 99f};   // ignored on the first step
        double[] p = {1, -2};
        double[] v = new double[2];
        for (int step = 1; step <= 2; step++) {
            SgdParams sp = new SgdParams(0.1f, 0.9f, 0.2f, 0.01f, true, step == 1);
            Optimizers.sgd(param, grad, vel, 2, sp);
            for (int i = 0; i < 2; i++) {
                double g = grad[i] + 0.01 * p[i];
                v[i] = step == 1 ? g : 0.9 * v[i] + 0.8 * g;
                p[i] -= 0.1 * (g + 0.9 * v[i]);
                assertEquals(p[i], param[i], 1e-6, "param " + i + " step " + step);
                assertEquals(v[i], vel[i], 1e-6, "velocity " + i + " step " + step);
            }
        }
    }

    @Test
    void adamAndAdamW() {
        for (boolean decoupled : new boolean[] {false, true}) {
            float[] param = {1f, -2f};
            float[] grad = {0.5f, -0.25f};
            float[] m = new float[2];
            float[] v = new float[2];
            double[] p = {1, -2};
            double[] dm = new double[2];
            double[] dv = new double[2];
            for (int step = 1; step <= 2; step++) {
                AdamParams ap = new AdamParams(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, decoupled, step);
                Optimizers.adam(param, grad, m, v, 2, ap);
                for (int i = 0; i < 2; i++) {
                    double g = grad[i];
                    if (decoupled) {
                        p[i] *= 1 - 0.01 * 0.1;
                    } else {
                        g += 0.1 * p[i];
                    }
                    dm[i] = 0.9 * dm[i] + 0.1 * g;
                    dv[i] = 0.999 * dv[i] + 0.001 * g * g;
                    double mHat = dm[i] / (1 - Math.pow(0.9, step));
                    double vHat = dv[i] / (1 - Math.pow(0.999, step));
                    p[i] -= 0.01 * mHat / (Math.sqrt(vHat) + 1e-8);
                    assertEquals(p[i], param[i], 1e-6, "decoupled=" + decoupled + " param " + i + " step " + step);
                }
            }
        }
    }
}

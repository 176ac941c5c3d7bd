package dev.flint.nn.gpt;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.optim.AdamW;
import dev.flint.optim.GradClip;
import dev.flint.optim.ParamGroup;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Arrays;

/** Scratch timing of nanoGPT's CPU configuration: median training step. Run with exec:java or a test. */
public final class GptStepTiming {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Backend be = Backends.get("cpu");
        GptConfig cfg = new GptConfig(73, 64, 4, 4, 128, 0f);
        Rng rng = new Rng(1337);
        try (Gpt gpt = new Gpt(cfg, rng, be);
             AdamW opt = new AdamW(ParamGroup.decayMatricesOnly(gpt.parameters(), 0.1f), 1e-3f, 0.9f, 0.99f, 1e-8f,
                     0.1f)) {
            System.out.println(gpt.parameterCount() + " parameters");
            long[] times = new long[steps];
            for (int s = 0; s < steps; s++) {
                int[] x = new int[12 * 64];
                int[] y = new int[12 * 64];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rng.nextInt(73);
                    y[i] = rng.nextInt(73);
                }
                long t0 = System.nanoTime();
                try (Scope scope = Scope.open()) {
                    Tensor xi = Tensor.on(be).fromInts(x, Shape.of(12, 64));
                    Tensor yi = Tensor.on(be).fromInts(y, Shape.of(12, 64));
                    opt.zeroGrad();
                    Tensor loss = gpt.loss(xi, yi);
                    loss.backward();
                    GradClip.clipGradNorm(opt.parameters(), 1f);
                    opt.step();
                    if (s == 0) {
                        System.out.println("loss " + loss.item());
                    }
                }
                times[s] = System.nanoTime() - t0;
            }
            long[] sorted = times.clone();
            Arrays.sort(sorted);
            System.out.printf("median step %.2f ms (min %.2f)%n", sorted[steps / 2] / 1e6, sorted[0] / 1e6);
        }
    }
}

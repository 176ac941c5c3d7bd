package dev.flint.cpu.kernel;

import java.util.Random;

/**
 * Times {@link Softmax#forward} on 4096 x 4096, like SoftmaxBenchmark.forward, without building the JMH
 * jar: {@code main} only, no test. Run from flint-backend-cpu with the test classpath, e.g.
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:... \
 * dev.flint.cpu.kernel.SoftmaxTiming 4096}; {@code -Dflint.cpu.vector=false} times the scalar path.
 */
final class SoftmaxTiming {
    private SoftmaxTiming() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        float[] x = new float[n * n];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[n * n];
        for (boolean log : new boolean[] {false, true}) {
            for (int rep = 0; rep < 40; rep++) {
                long t0 = System.nanoTime();
                Softmax.forward(log, x, y, n, n);
                long t1 = System.nanoTime();
                if (rep >= 34) {
                    System.out.printf("log=%b %dx%d: %.2f ms (vector=%b)%n", log, n, n, (t1 - t0) / 1e6,
                            FloatMath.VECTOR);
                }
            }
        }
    }
}

package dev.flint.cpu.kernel;

import dev.flint.backend.Attention;
import dev.flint.backend.DType;
import dev.flint.cpu.CpuBackend;
import java.util.Random;

/**
 * Times {@link FusedAttention} forward and backward at the GPT showcase's sizes (B 12, H 4, T 64, D 32, causal,
 * heads read from a packed (B, T, 3C) projection), without building the JMH jar: {@code main} only, no test.
 * Run from flint-backend-cpu with the test classpath, e.g. {@code java --add-modules jdk.incubator.vector -cp
 * target/classes:target/test-classes:../core/target/classes:<slf4j-api> dev.flint.cpu.kernel.AttentionTiming}.
 */
final class AttentionTiming {
    private AttentionTiming() {
    }

    public static void main(String[] args) {
        int b = 12, h = 4, t = 64, d = 32, c = h * d;
        Random rnd = new Random(1);
        float[] qkv = new float[b * t * 3 * c];
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) rnd.nextGaussian();
        }
        float[] dOut = new float[b * t * c];
        for (int i = 0; i < dOut.length; i++) {
            dOut[i] = (float) rnd.nextGaussian();
        }
        CpuBackend cpu = new CpuBackend();
        var s = cpu.allocate(DType.FLOAT32, 1);
        Attention.Operand q = new Attention.Operand(s, 0, t * 3 * c, d, 3 * c);
        Attention.Operand k = new Attention.Operand(s, c, t * 3 * c, d, 3 * c);
        Attention.Operand v = new Attention.Operand(s, 2 * c, t * 3 * c, d, 3 * c);
        Attention.Operand o = new Attention.Operand(s, 0, t * c, d, c);
        Attention a = Attention.of(b, h, t, t, d, d, (float) (1 / Math.sqrt(d)), true).q(q).k(k).v(v).into(o, s);
        float[] out = new float[b * t * c];
        float[] lse = new float[b * h * t];
        float[] dqkv = new float[qkv.length];
        Attention.Operand gq = new Attention.Operand(s, 0, t * 3 * c, d, 3 * c);
        Attention.Operand gk = new Attention.Operand(s, c, t * 3 * c, d, 3 * c);
        Attention.Operand gv = new Attention.Operand(s, 2 * c, t * 3 * c, d, 3 * c);
        for (int rep = 0; rep < 400; rep++) {
            long t0 = System.nanoTime();
            FusedAttention.forward(a, qkv, qkv, qkv, null, out, lse);
            long t1 = System.nanoTime();
            FusedAttention.backward(a, qkv, qkv, qkv, null, out, lse, o, dOut, gq, dqkv, gk, dqkv, gv, dqkv);
            long t2 = System.nanoTime();
            if (rep % 50 == 49) {
                System.out.printf("attention B 12 H 4 T 64 D 32: forward %.3f ms, backward %.3f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
            }
        }
    }
}

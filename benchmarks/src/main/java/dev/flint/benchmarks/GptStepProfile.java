package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.nn.gpt.Gpt;
import dev.flint.nn.gpt.GptConfig;
import dev.flint.optim.AdamW;
import dev.flint.optim.GradClip;
import dev.flint.optim.ParamGroup;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a training step of nanoGPT's CPU configuration spends its time, per backend primitive: the CPU
 * backend wrapped in a proxy that times every call. Prints milliseconds per step by primitive and the
 * share of the step outside the backend (Java front end, autograd, allocation).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *       dev.flint.benchmarks.GptStepProfile [steps [warm-up steps]]
 * </pre>
 */
public final class GptStepProfile {
    private GptStepProfile() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        // On JDK 17 the GEMM tiles' first C2 code is an on-stack-replacement compile whose Vector API
        // calls are not intrinsified (the loop's vectors enter it untyped); on a busy machine the proper
        // compile can take seconds to replace it, so profiles of steady state warm up longer.
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Backend cpu = Backends.get("cpu");
        Map<String, long[]> totals = new TreeMap<>();   // name -> {nanos, calls}
        boolean[] on = {false};
        Backend timed = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, margs) -> {
                    long t0 = System.nanoTime();
                    try {
                        return method.invoke(cpu, margs);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        if (on[0]) {
                            String name = method.getName();
                            if (name.equals("gemm") || name.equals("unary") || name.equals("binary")
                                    || name.equals("reduce")) {
                                name += " " + detail(margs);
                            }
                            long[] t = totals.computeIfAbsent(name, k -> new long[2]);
                            t[0] += System.nanoTime() - t0;
                            t[1]++;
                        }
                    }
                });
        GptConfig cfg = new GptConfig(73, 64, 4, 4, 128, 0f);
        Rng rng = new Rng(1337);
        long stepNanos = 0;
        try (Gpt gpt = new Gpt(cfg, rng, timed);
             AdamW opt = new AdamW(ParamGroup.decayMatricesOnly(gpt.parameters(), 0.1f), 1e-3f, 0.9f, 0.99f, 1e-8f,
                     0.1f)) {
            for (int s = 0; s < warmup + steps; s++) {
                int[] x = new int[12 * 64];
                int[] y = new int[12 * 64];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rng.nextInt(73);
                    y[i] = rng.nextInt(73);
                }
                on[0] = s >= warmup;
                long t0 = System.nanoTime();
                try (Scope scope = Scope.open()) {
                    Tensor xi = Tensor.on(timed).fromInts(x, Shape.of(12, 64));
                    Tensor yi = Tensor.on(timed).fromInts(y, Shape.of(12, 64));
                    opt.zeroGrad();
                    Tensor loss = gpt.loss(xi, yi);
                    loss.backward();
                    GradClip.clipGradNorm(opt.parameters(), 1f);
                    opt.step();
                    loss.item();
                }
                if (on[0]) {
                    stepNanos += System.nanoTime() - t0;
                }
            }
        }
        double inBackend = 0;
        System.out.printf("%-60s %9s %7s%n", "primitive", "ms/step", "calls");
        for (Map.Entry<String, long[]> e : totals.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).toList()) {
            double ms = e.getValue()[0] / 1e6 / steps;
            inBackend += ms;
            System.out.printf("%-60s %9.3f %7d%n", e.getKey(), ms, e.getValue()[1] / steps);
        }
        double step = stepNanos / 1e6 / steps;
        System.out.printf("step %.2f ms: %.2f ms in the backend, %.2f ms outside it%n", step, inBackend, step - inBackend);
    }

    private static String detail(Object[] a) {
        if (a == null) {
            return "";
        }
        Object first = a[0];
        String s = String.valueOf(first);
        if (first instanceof dev.flint.backend.Gemm g) {
            s = "m" + g.m() + " n" + g.n() + " k" + g.k() + " b" + g.batch() + (g.transA() ? " tA" : "")
                    + (g.transB() ? " tB" : "");
        } else if (a.length > 5 && a[5] instanceof int[] dims) {
            s = s + " " + java.util.Arrays.toString(dims);
        }
        return s.length() > 50 ? s.substring(0, 50) : s;
    }
}

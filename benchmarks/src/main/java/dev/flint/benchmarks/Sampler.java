package dev.flint.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Runs one of this package's JMH benchmarks on command, one timed sample at a time, so that a driver
 * can interleave Flint's samples with a peer's ({@code scripts/interleave.py}). On this machine the
 * speed drifts by up to 2x for seconds to minutes, so a Flint figure and a PyTorch figure taken minutes
 * apart compare two machines; samples a second apart compare two libraries.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.flint.benchmarks.Sampler \
 *     GemmShapeBenchmark.gemm backend=cpu shape=NT:64x10x84
 * }</pre>
 *
 * <p>The benchmark is set up as JMH sets it up: its {@code @Param} fields from the arguments (the
 * others keep their first declared value), its trial-level {@code @Setup} methods, and at the end its
 * {@code @TearDown} methods. Then it answers commands on standard input, one per line, with one line
 * on standard output that starts with {@code sampler:} (the benchmarks' own output may come between):
 * <ul>
 *   <li>{@code warm SECONDS}: calls the benchmark for that long; answers {@code sampler: warm CALLS};
 *   <li>{@code settle SECONDS}: calls the benchmark until the JIT has finished no compilation for
 *       {@value #QUIET_SECONDS} s, or for at most that long; answers {@code sampler: settle CALLS
 *       SECONDS_TAKEN quiet} (or {@code busy} where the limit came first, {@code unknown} where the JVM
 *       does not report its compilation time). A training step goes on compiling well past a fixed
 *       warm-up on a slow machine: on Zen 4 (family 25, model 17) the MLP step took 190, 48, 19, 10, 10,
 *       4.7, 3.8, 3.9, 4.1, 3.5, 2.6 and 2.7 ms a call in its first twelve seconds, C2 compiling 439
 *       methods in 5.1 s of its two cores, and a sample taken after the 5 s warm-up timed that;
 * *   <li>{@code sample SECONDS}: times a loop of calls as long as the warm-up's rate says fills that
 *       time (at least one call); answers {@code sampler: sample SECONDS_PER_CALL CALLS CPU_PER_CALL},
 *       the last the JVM's CPU seconds per call over the same loop (all its threads, spinning pool
 *       threads included; -1 where the JVM does not report its CPU time), so that CPU / wall says how
 *       many cores the sample kept busy;
 *   <li>{@code quit}: tears down and exits.
 * </ul>
 * It answers {@code sampler: ready} once set up, and {@code sampler: error MESSAGE} (then exits 1) on
 * bad arguments or a failing benchmark.
 */
public final class Sampler {

    private static final String PREFIX = "sampler: ";
    /** Seconds without a finished compilation after which {@code settle} counts the JIT as quiet. */
    static final double QUIET_SECONDS = 1.0;

    private final Object bench;
    private final Class<?> type;
    private final MethodHandle call;
    /** Seconds per call, from the latest warm-up or sample; 0 before any. */
    private double perCall;

    private Sampler(Object bench, MethodHandle call) {
        this.bench = bench;
        this.type = bench.getClass();
        this.call = call;
    }

    /**
     * Entry point.
     *
     * @param args {@code Class.method} (a class of this package, or fully qualified), then
     *             {@code name=value} for its parameters
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Sampler sampler;
        try {
            sampler = open(args);
        } catch (RuntimeException | ReflectiveOperationException e) {
            Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
            out.println(PREFIX + "error " + cause);
            out.flush();
            System.exit(1);
            return;
        }
        out.println(PREFIX + "ready");
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        try {
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split("\\s+");
                if (words[0].equals("quit")) {
                    break;
                }
                String answer;
                try {
                    answer = sampler.command(words);
                } catch (IllegalArgumentException e) {
                    answer = "error " + e.getMessage();
                }
                out.println(PREFIX + answer);
                out.flush();
            }
        } catch (Throwable t) {
            out.println(PREFIX + "error " + t);
            out.flush();
            sampler.tearDown();
            System.exit(1);
        }
        sampler.tearDown();
    }

    /** One command's answer, without the prefix; bad commands throw IllegalArgumentException. */
    String command(String[] words) throws Throwable {
        if (words.length != 2
                || !(words[0].equals("warm") || words[0].equals("settle") || words[0].equals("sample"))) {
            throw new IllegalArgumentException("expected 'warm SECONDS', 'settle SECONDS', 'sample SECONDS'"
                    + " or 'quit', got '" + String.join(" ", words) + "'");
        }
        double seconds;
        try {
            seconds = Double.parseDouble(words[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seconds must be a number, got '" + words[1] + "'");
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("seconds must be positive, got " + words[1]);
        }
        if (words[0].equals("warm")) {
            return "warm " + warm(seconds);
        }
        if (words[0].equals("settle")) {
            return settle(seconds);
        }
        long calls = perCall > 0 ? Math.max(1, (long) (seconds / perCall)) : 1;
        long cpuBefore = processCpuNanos();
        perCall = timeCalls(calls) * 1e-9 / calls;
        long cpuAfter = processCpuNanos();
        double cpuPerCall = cpuBefore < 0 || cpuAfter < 0 ? -1 : (cpuAfter - cpuBefore) * 1e-9 / calls;
        return String.format(Locale.ROOT, "sample %.6e %d %.6e", perCall, calls, cpuPerCall);
    }

    /** CPU nanoseconds used by this JVM so far (all threads), or -1 where the JVM does not say. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Calls the benchmark in batches until {@code seconds} have passed; the rate of the last batch. */
    private long warm(double seconds) throws Throwable {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long total = 0;
        while (true) {
            total += batch();
            if (System.nanoTime() >= end) {
                return total;
            }
        }
    }

    /**
     * Calls the benchmark in batches until the JIT has finished no compilation for
     * {@link #QUIET_SECONDS}, or {@code seconds} have passed. A compilation counts when it ends (the
     * JVM adds its time then), so one still running after a quiet second is not seen; the steps' longest
     * took well under that.
     */
    private String settle(double seconds) throws Throwable {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean known = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long quiet = (long) (QUIET_SECONDS * 1e9);
        long compiled = known ? jit.getTotalCompilationTime() : 0;
        long lastCompile = start;
        long total = 0;
        String state;
        while (true) {
            total += batch();
            long now = System.nanoTime();
            if (known) {
                long c = jit.getTotalCompilationTime();
                if (c != compiled) {
                    compiled = c;
                    lastCompile = now;
                } else if (now - lastCompile >= quiet) {
                    state = "quiet";
                    break;
                }
            }
            if (now >= end) {
                state = known ? "busy" : "unknown";
                break;
            }
        }
        return String.format(Locale.ROOT, "settle %d %.3f %s", total, (System.nanoTime() - start) * 1e-9, state);
    }

    /**
     * One batch of calls, about 10 ms of them once the rate is known (the clock is read rarely, and a
     * deadline is not overshot by much); sets the rate and returns the calls made.
     */
    private long batch() throws Throwable {
        long calls = perCall > 0 ? Math.max(1, (long) (0.01 / perCall)) : 1;
        perCall = timeCalls(calls) * 1e-9 / calls;
        return calls;
    }

    /**
     * Nanoseconds taken by {@code calls} calls of the benchmark. The warm-up and the samples both time
     * their calls here, so the warm-up compiles the very loop the samples run. With a loop of its own
     * in the sample command, that loop was first interpreted, then C1's profiled code, and C2 compiled
     * it only during the first samples: a 2 us GEMM shape sampled 2.4 us for its first two 0.3 s
     * samples and 1.9 us from the third on (Zen 5, -XX:UseAVX=2, NN:64x84x10), and more slowly still
     * when a peer's turns kept the compiler threads from the cores.
     */
    private long timeCalls(long calls) throws Throwable {
        long start = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            call.invokeExact();
        }
        return System.nanoTime() - start;
    }

    void tearDown() throws ReflectiveOperationException {
        for (Method m : type.getMethods()) {
            TearDown t = m.getAnnotation(TearDown.class);
            if (t != null && t.value() == Level.Trial) {
                m.invoke(bench);
            }
        }
    }

    static Sampler open(String[] args) throws ReflectiveOperationException {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: Sampler Class.method [name=value ...], for example"
                    + " GemmShapeBenchmark.gemm backend=cpu shape=NT:64x10x84");
        }
        int dot = args[0].lastIndexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("expected Class.method, got '" + args[0] + "'");
        }
        String className = args[0].substring(0, dot);
        if (!className.contains(".")) {
            className = Sampler.class.getPackageName() + "." + className;
        }
        Class<?> type = Class.forName(className);
        Method method = null;
        for (Method m : type.getMethods()) {
            if (m.getName().equals(args[0].substring(dot + 1)) && m.isAnnotationPresent(Benchmark.class)) {
                method = m;
            }
        }
        if (method == null || method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())) {
            throw new IllegalArgumentException(className + " has no @Benchmark instance method '"
                    + args[0].substring(dot + 1) + "' without parameters");
        }
        Object bench = type.getConstructor().newInstance();
        for (Field f : type.getFields()) {
            Param p = f.getAnnotation(Param.class);
            if (p != null && p.value().length > 0) {
                set(f, bench, p.value()[0]);
            }
        }
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value, got '" + args[i] + "'");
            }
            String name = args[i].substring(0, eq);
            Field f;
            try {
                f = type.getField(name);
            } catch (NoSuchFieldException e) {
                f = null;
            }
            if (f == null || !f.isAnnotationPresent(Param.class)) {
                throw new IllegalArgumentException(type.getSimpleName() + " has no @Param '" + name + "'");
            }
            set(f, bench, args[i].substring(eq + 1));
        }
        for (Method m : type.getMethods()) {
            Setup s = m.getAnnotation(Setup.class);
            if (s != null) {
                if (s.value() != Level.Trial) {
                    throw new IllegalArgumentException(type.getSimpleName() + "." + m.getName()
                            + " is a @Setup at level " + s.value() + "; the sampler runs trial-level setups only");
                }
                try {
                    m.invoke(bench);
                } catch (InvocationTargetException e) {
                    // the benchmark's own message (a malformed shape, a backend that cannot load)
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw e;
                }
            }
        }
        MethodHandle call = MethodHandles.publicLookup().unreflect(method).bindTo(bench)
                .asType(java.lang.invoke.MethodType.methodType(void.class));
        return new Sampler(bench, call);
    }

    private static void set(Field f, Object bench, String value) throws IllegalAccessException {
        Class<?> t = f.getType();
        try {
            if (t == String.class) {
                f.set(bench, value);
            } else if (t == int.class) {
                f.setInt(bench, Integer.parseInt(value));
            } else if (t == long.class) {
                f.setLong(bench, Long.parseLong(value));
            } else {
                throw new IllegalArgumentException("@Param " + f.getName() + " has type " + t.getSimpleName()
                        + "; the sampler sets String, int and long");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("@Param " + f.getName() + " is " + t.getSimpleName() + ", got '"
                    + value + "'");
        }
    }
}

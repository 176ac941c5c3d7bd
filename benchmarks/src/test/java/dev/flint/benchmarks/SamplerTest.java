package dev.flint.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The sampler that interleave.py drives: it must set a benchmark up from its arguments as JMH would,
 * time real calls, and refuse what it cannot run with a message that names what was expected.
 */
class SamplerTest {

    @Test
    void timesTheBenchmarkItWasGiven() throws Throwable {
        Sampler s = Sampler.open(new String[] {"GemmShapeBenchmark.gemm", "backend=cpu", "shape=NN:16x8x4"});
        try {
            String[] warm = s.command(new String[] {"warm", "0.3"}).split(" ");
            assertEquals("warm", warm[0]);
            assertTrue(Long.parseLong(warm[1]) > 0, "calls made while warming: " + warm[1]);
            // the fastest of three samples: one can hold a compilation or a collection (one sample of one
            // 1.2 ms call was seen on a busy machine after a 0.05 s warm-up); and samples of 0.2 s, since
            // the process's CPU clock lags by milliseconds for threads running on another core (a 0.02 s
            // sample read 7.9 cores busy on 2, the compiler threads at work)
            String[] sample = null;
            for (int i = 0; i < 3; i++) {
                String[] next = s.command(new String[] {"sample", "0.2"}).split(" ");
                assertEquals("sample", next[0]);
                if (sample == null || Double.parseDouble(next[1]) < Double.parseDouble(sample[1])) {
                    sample = next;
                }
            }
            double perCall = Double.parseDouble(sample[1]);
            long calls = Long.parseLong(sample[2]);
            // a 16x8x4 GEMM takes well under a millisecond, so 0.2 s holds many calls
            assertTrue(perCall > 0 && perCall < 1e-3, "seconds per call " + perCall);
            assertTrue(calls > 1, "calls in the sample: " + calls);
            // the JVM's CPU time over the same calls: positive, and at most what its cores could give
            double cpuPerCall = Double.parseDouble(sample[3]);
            int cores = Runtime.getRuntime().availableProcessors();
            assertTrue(cpuPerCall > 0 && cpuPerCall <= 1.5 * cores * perCall,
                    "CPU seconds per call " + cpuPerCall + " against " + perCall + " s of wall time on " + cores
                            + " cores");
        } finally {
            s.tearDown();
        }
    }

    @Test
    void settlesOnceTheCompilerHasBeenQuietForASecondOrAtTheLimit() throws Throwable {
        Sampler s = Sampler.open(new String[] {"GemmShapeBenchmark.gemm", "backend=cpu", "shape=NN:16x8x4"});
        try {
            s.command(new String[] {"warm", "0.2"});
            long start = System.nanoTime();
            String[] answer = s.command(new String[] {"settle", "20"}).split(" ");
            double elapsed = (System.nanoTime() - start) * 1e-9;
            assertEquals("settle", answer[0]);
            assertTrue(Long.parseLong(answer[1]) > 0, "calls made while settling: " + answer[1]);
            double taken = Double.parseDouble(answer[2]);
            assertTrue(taken <= elapsed, "settle says " + taken + " s, the call took " + elapsed + " s");
            switch (answer[3]) {
                // quiet: at least the quiet second; a small GEMM's few methods compile well within 20 s
                case "quiet" -> assertTrue(taken >= Sampler.QUIET_SECONDS && taken < 20, "quiet after " + taken + " s");
                // a JVM without compilation time monitoring calls on to the limit
                case "unknown" -> assertTrue(taken >= 20, "unknown state after " + taken + " s");
                default -> throw new AssertionError("expected quiet or unknown, got " + String.join(" ", answer));
            }
        } finally {
            s.tearDown();
        }
    }

    @Test
    void theShapeParameterReachesTheBenchmark() {
        // GemmShapeBenchmark's own setup rejects a malformed shape: proof the argument was set
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sampler.open(new String[] {"GemmShapeBenchmark.gemm", "backend=cpu", "shape=16x8x4"}));
        assertTrue(e.getMessage().contains("'16x8x4'"), e.getMessage());
    }

    @Test
    void refusesWhatItCannotRun() throws Throwable {
        assertMessage("has no @Param 'shap'", "GemmShapeBenchmark.gemm", "backend=cpu", "shap=NN:4x4x4");
        assertMessage("has no @Benchmark instance method 'gem'", "GemmShapeBenchmark.gem");
        assertMessage("expected Class.method", "GemmShapeBenchmark");
        assertMessage("expected name=value", "GemmShapeBenchmark.gemm", "backend");
        assertMessage("@Param batch is int, got 'many'", "Conv2dBenchmark.forward", "backend=cpu", "batch=many");
        assertThrows(ClassNotFoundException.class, () -> Sampler.open(new String[] {"NoSuchBenchmark.run"}));

        Sampler s = Sampler.open(new String[] {"GemmShapeBenchmark.gemm", "backend=cpu", "shape=NN:4x4x4"});
        try {
            assertCommand(s, "expected 'warm SECONDS', 'settle SECONDS', 'sample SECONDS' or 'quit', got 'time 1'",
                    "time", "1");
            assertCommand(s, "seconds must be positive, got 0", "settle", "0");
            assertCommand(s, "seconds must be a number, got 'soon'", "sample", "soon");
            assertCommand(s, "seconds must be positive, got -1", "warm", "-1");
        } finally {
            s.tearDown();
        }
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sampler.open(args));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should say: " + expected);
    }

    private static void assertCommand(Sampler s, String expected, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.command(words));
        assertEquals(expected, e.getMessage());
    }
}

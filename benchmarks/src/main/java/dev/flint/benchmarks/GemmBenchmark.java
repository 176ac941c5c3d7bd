package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Square float32 GEMM {@code C = A B} (n x n, no transposes, beta 0) through {@link Backend#gemm}.
 * The report turns the time into GFLOP/s as {@code 2 n^3 / t}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class GemmBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** Matrix size: m = n = k. */
    @Param({"256", "512", "1024", "2048"})
    public int n;

    private GemmOperands operands;

    @Setup(Level.Trial)
    public void setUp() {
        operands = new GemmOperands(BenchSupport.open(backend, "GemmBenchmark n=" + n), n, n, n, false, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (operands != null) {
            operands.release();
        }
    }

    @Benchmark
    public void gemm() {
        operands.run();
    }
}

package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.concurrent.TimeUnit;
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

/**
 * ReLU forward and backward over 16M floats (64 MiB per buffer, far beyond the caches): a
 * bandwidth test. The report counts forward as 8 bytes per element (read x, write y) and backward as
 * 12 (read x and dy, write dx) and compares forward with the copy bandwidth of the same machine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class ReluBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** Element count. */
    @Param({"16777216"})
    public int size;

    private Backend b;
    private Storage x;
    private Storage y;
    private Storage dy;
    private Storage dx;

    @Setup(Level.Trial)
    public void setUp() {
        b = BenchSupport.open(backend, "ReluBenchmark size=" + size);
        x = BenchSupport.uniform(b, size, 5L, -1f, 1f);
        dy = BenchSupport.uniform(b, size, 6L, -1f, 1f);
        y = BenchSupport.zeros(b, size);
        dx = BenchSupport.zeros(b, size);
        b.unary(Unary.of(UnaryOp.RELU), x, y, size);
        b.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.release(x, y, dy, dx);
    }

    @Benchmark
    public void forward() {
        b.unary(Unary.of(UnaryOp.RELU), x, y, size);
        b.synchronize();
    }

    @Benchmark
    public void backward() {
        b.unaryBackward(Unary.of(UnaryOp.RELU), x, null, dy, dx, size);
        b.synchronize();
    }
}

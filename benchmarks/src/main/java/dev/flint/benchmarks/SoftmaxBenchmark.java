package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.Storage;
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
 * Row softmax forward and backward on a {@code rows x cols} float32 matrix: a large one that is
 * memory-bound (4096 x 4096, 64 MiB) and a classifier head (256 x 10) that measures per-call overhead.
 * The report counts bytes as the minimum traffic: forward reads x and writes y (8 bytes per element),
 * backward reads y and dy and writes dx (12).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class SoftmaxBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** {@code rows x cols}. */
    @Param({"4096x4096", "256x10"})
    public String shape;

    private Backend b;
    private int rows;
    private int cols;
    private Storage x;
    private Storage y;
    private Storage dy;
    private Storage dx;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("SoftmaxBenchmark: shape must be ROWSxCOLS, got '" + shape + "'");
        }
        rows = Integer.parseInt(parts[0]);
        cols = Integer.parseInt(parts[1]);
        b = BenchSupport.open(backend, "SoftmaxBenchmark " + shape);
        int size = rows * cols;
        x = BenchSupport.uniform(b, size, 3L, -4f, 4f);
        dy = BenchSupport.uniform(b, size, 4L, -1f, 1f);
        y = BenchSupport.zeros(b, size);
        dx = BenchSupport.zeros(b, size);
        // The backward benchmark reads a real softmax output.
        b.softmaxForward(false, x, y, rows, cols);
        b.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.release(x, y, dy, dx);
    }

    @Benchmark
    public void forward() {
        b.softmaxForward(false, x, y, rows, cols);
        b.synchronize();
    }

    @Benchmark
    public void backward() {
        b.softmaxBackward(false, y, dy, dx, rows, cols);
        b.synchronize();
    }
}

package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.Storage;
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
 * Copy of 16M floats (64 MiB) through the backend's own copy: the bandwidth witness for the
 * memory-bound rows (ReLU, softmax 4096 x 4096). On the CPU backend one contiguous
 * {@code copyBlocks} is {@code System.arraycopy} split into contiguous chunks over the backend's
 * threads, as its elementwise ops split (one chunk per core here); the report counts 8 bytes per
 * element (read and write), as for the peers' copies, so Flint's and PyTorch's copy bandwidth stand
 * side by side in each of {@code run.sh}'s paired rounds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class CopyBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** Element count. */
    @Param({"16777216"})
    public int size;

    private Backend b;
    private Storage x;
    private Storage y;

    @Setup(Level.Trial)
    public void setUp() {
        b = BenchSupport.open(backend, "CopyBenchmark size=" + size);
        x = BenchSupport.uniform(b, size, 7L, -1f, 1f);
        y = BenchSupport.zeros(b, size);
        b.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.release(x, y);
    }

    @Benchmark
    public void copy() {
        b.copyBlocks(x, 0, size, y, 0, size, 1, size);
        b.synchronize();
    }
}

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
 * The GEMMs of the two training steps, one call each through {@link Backend#gemm}: for every linear
 * layer {@code y = x W^T} ("NT", m = batch), the data gradient {@code dx = dy W} ("NN") and the weight
 * gradient {@code dW = dy^T x} ("TN", k = batch), with W stored (out, in) as in PyTorch. The MLP
 * (784-512-256-10) runs at batch 128, the CNN's classifier (400-120-84-10) at batch 64; a first layer
 * has no data gradient. The peers time the same products in PyTorch ({@code scripts/peers.py}).
 *
 * <p>The shape reads {@code OPS:MxNxK}: OPS says whether A and B are transposed (N or T each), and C
 * is m x n, contracted over k.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class GemmShapeBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** {@code OPS:MxNxK}; the list is {@code peers.py}'s GEMM_SHAPES. */
    @Param({
        "NT:128x512x784", "TN:512x784x128",
        "NT:128x256x512", "NN:128x512x256", "TN:256x512x128",
        "NT:128x10x256", "NN:128x256x10", "TN:10x256x128",
        "NT:64x120x400", "NN:64x400x120", "TN:120x400x64",
        "NT:64x84x120", "NN:64x120x84", "TN:84x120x64",
        "NT:64x10x84", "NN:64x84x10", "TN:10x84x64"})
    public String shape;

    private GemmOperands operands;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split(":");
        String[] dims = parts.length == 2 ? parts[1].split("x") : new String[0];
        if (parts.length != 2 || parts[0].length() != 2 || dims.length != 3) {
            throw new IllegalArgumentException("GemmShapeBenchmark: shape must read OPS:MxNxK (OPS two of N/T),"
                    + " got '" + shape + "'");
        }
        operands = new GemmOperands(BenchSupport.open(backend, "GemmShapeBenchmark " + shape),
                Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), Integer.parseInt(dims[2]),
                parts[0].charAt(0) == 'T', parts[0].charAt(1) == 'T');
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

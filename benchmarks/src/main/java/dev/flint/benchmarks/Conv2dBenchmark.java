package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.backend.ConvGeometry;
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
 * conv2d at LeNet's two layer sizes, batch 64, stride 1:
 * <ul>
 *   <li>{@code conv1}: x (64, 1, 28, 28), w (6, 1, 5, 5), pad 2 -> y (64, 6, 28, 28)</li>
 *   <li>{@code conv2}: x (64, 6, 14, 14), w (16, 6, 5, 5), pad 0 -> y (64, 16, 10, 10)</li>
 * </ul>
 * Forward includes the bias. Backward is both gradients a training step needs from the layer when
 * its input requires one: data ({@code dx}) and weight ({@code dw}), as PyTorch's convolution
 * backward computes them. The report counts forward as {@code 2 N O OH OW I KH KW} floating-point
 * operations and backward as twice that.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class Conv2dBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** Which LeNet layer: {@code conv1} or {@code conv2}. */
    @Param({"conv1", "conv2"})
    public String layer;

    /** Batch size. */
    @Param({"64"})
    public int batch;

    private Backend b;
    private ConvGeometry g;
    private Storage x;
    private Storage w;
    private Storage bias;
    private Storage y;
    private Storage dy;
    private Storage dx;
    private Storage dw;

    /** The geometry of a named LeNet layer at batch {@code batch}. */
    static ConvGeometry geometry(String layer, int batch) {
        switch (layer) {
            case "conv1":
                return new ConvGeometry(batch, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2);
            case "conv2":
                return new ConvGeometry(batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0);
            default:
                throw new IllegalArgumentException("Conv2dBenchmark: layer must be conv1 or conv2, got '"
                        + layer + "'");
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        g = geometry(layer, batch);
        b = BenchSupport.open(backend, "Conv2dBenchmark " + layer);
        x = BenchSupport.uniform(b, g.inputSize(), 7L, -1f, 1f);
        w = BenchSupport.uniform(b, g.weightSize(), 8L, -0.2f, 0.2f);
        bias = BenchSupport.uniform(b, g.outChannels(), 9L, -0.1f, 0.1f);
        dy = BenchSupport.uniform(b, g.outputSize(), 10L, -1f, 1f);
        y = BenchSupport.zeros(b, g.outputSize());
        dx = BenchSupport.zeros(b, g.inputSize());
        dw = BenchSupport.zeros(b, g.weightSize());
        b.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.release(x, w, bias, y, dy, dx, dw);
    }

    @Benchmark
    public void forward() {
        b.conv2dForward(g, x, w, bias, y);
        b.synchronize();
    }

    @Benchmark
    public void backward() {
        b.conv2dBackwardData(g, dy, w, dx);
        b.conv2dBackwardWeight(g, x, dy, dw);
        b.synchronize();
    }
}

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
 * One training step of the LeNet-style CNN (batch 64) written directly on backend primitives with
 * preallocated buffers: the floor for {@link CnnStepBenchmark}. The network, in shapes:
 * <pre>
 *   x (64, 1, 28, 28) -conv 6x5x5 pad 2-> (64, 6, 28, 28) -relu-> -maxpool 2-> (64, 6, 14, 14)
 *   -conv 16x5x5-> (64, 16, 10, 10) -relu-> -maxpool 2-> (64, 16, 5, 5) = (64, 400)
 *   -fc 120-> -relu-> -fc 84-> -relu-> -fc 10-> softmax cross-entropy; SGD momentum 0.9, lr 0.01
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class PrimitiveCnnStepBenchmark {

    static final int BATCH = 64;

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    private Backend b;
    private PrimitiveLayers layers;
    private PrimitiveLayers.Conv conv1;
    private PrimitiveLayers.MaxPool pool1;
    private PrimitiveLayers.Conv conv2;
    private PrimitiveLayers.MaxPool pool2;
    private PrimitiveLayers.Linear fc1;
    private PrimitiveLayers.Linear fc2;
    private PrimitiveLayers.Linear fc3;
    private PrimitiveLayers.CrossEntropy loss;
    private Storage x;
    private Storage labels;
    private Storage c1;
    private Storage r1;
    private Storage p1;
    private Storage c2;
    private Storage r2;
    private Storage p2;
    private Storage f1;
    private Storage g1;
    private Storage f2;
    private Storage g2;
    private Storage logits;
    private Storage dLogits;
    private Storage dg2;
    private Storage df2;
    private Storage dg1;
    private Storage df1;
    private Storage dp2;
    private Storage dr2;
    private Storage dc2;
    private Storage dp1;
    private Storage dr1;
    private Storage dc1;

    @Setup(Level.Trial)
    public void setUp() {
        b = BenchSupport.open(backend, "PrimitiveCnnStepBenchmark");
        layers = new PrimitiveLayers(b);
        ConvGeometry g1Geometry = Conv2dBenchmark.geometry("conv1", BATCH);
        ConvGeometry g2Geometry = Conv2dBenchmark.geometry("conv2", BATCH);
        conv1 = layers.conv(g1Geometry, 31L);
        pool1 = layers.maxPool(BATCH, 6, 28, 28);
        conv2 = layers.conv(g2Geometry, 37L);
        pool2 = layers.maxPool(BATCH, 16, 10, 10);
        fc1 = layers.linear(400, 120, BATCH, 41L);
        fc2 = layers.linear(120, 84, BATCH, 43L);
        fc3 = layers.linear(84, 10, BATCH, 47L);
        loss = layers.crossEntropy(BATCH, 10);
        x = layers.uniform(BATCH * 28 * 28, 53L, 1f);
        labels = BenchSupport.labels(b, BATCH, 10, 59L);
        c1 = layers.floats(g1Geometry.outputSize());
        r1 = layers.floats(g1Geometry.outputSize());
        dc1 = layers.floats(g1Geometry.outputSize());
        dr1 = layers.floats(g1Geometry.outputSize());
        p1 = layers.floats(pool1.g.outputSize());
        dp1 = layers.floats(pool1.g.outputSize());
        c2 = layers.floats(g2Geometry.outputSize());
        r2 = layers.floats(g2Geometry.outputSize());
        dc2 = layers.floats(g2Geometry.outputSize());
        dr2 = layers.floats(g2Geometry.outputSize());
        p2 = layers.floats(BATCH * 400);
        dp2 = layers.floats(BATCH * 400);
        f1 = layers.floats(BATCH * 120);
        g1 = layers.floats(BATCH * 120);
        df1 = layers.floats(BATCH * 120);
        dg1 = layers.floats(BATCH * 120);
        f2 = layers.floats(BATCH * 84);
        g2 = layers.floats(BATCH * 84);
        df2 = layers.floats(BATCH * 84);
        dg2 = layers.floats(BATCH * 84);
        logits = layers.floats(BATCH * 10);
        dLogits = layers.floats(BATCH * 10);
        b.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        layers.release();
        BenchSupport.release(labels);
    }

    /** Mean loss of the last step's forward pass; tests use it to check the step trains. */
    float lastLoss() {
        return loss.mean();
    }

    @Benchmark
    public void step() {
        int n1 = conv1.g.outputSize();
        int n2 = conv2.g.outputSize();
        conv1.forward(x, c1);
        layers.relu(c1, r1, n1);
        pool1.forward(r1, p1);
        conv2.forward(p1, c2);
        layers.relu(c2, r2, n2);
        pool2.forward(r2, p2);
        // p2 (64, 16, 5, 5) is contiguous, so it already is the (64, 400) input of fc1.
        fc1.forward(p2, f1);
        layers.relu(f1, g1, BATCH * 120);
        fc2.forward(g1, f2);
        layers.relu(f2, g2, BATCH * 84);
        fc3.forward(g2, logits);
        loss.forward(logits, labels);

        loss.backward(labels, dLogits);
        fc3.backward(g2, dLogits, dg2);
        layers.reluBackward(f2, g2, dg2, df2, BATCH * 84);
        fc2.backward(g1, df2, dg1);
        layers.reluBackward(f1, g1, dg1, df1, BATCH * 120);
        fc1.backward(p2, df1, dp2);
        pool2.backward(dp2, dr2);
        layers.reluBackward(c2, r2, dr2, dc2, n2);
        conv2.backward(p1, dc2, dp1);
        pool1.backward(dp1, dr1);
        layers.reluBackward(c1, r1, dr1, dc1, n1);
        // The input needs no gradient: conv1 computes only its weight and bias gradients.
        conv1.backward(x, dc1, null);

        layers.sgdStep(0.01f, 0.9f);
        b.synchronize();
    }
}

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
 * One training step of the 784-512-256-10 ReLU MLP (batch 128, softmax cross-entropy, SGD with
 * momentum 0.9, lr 0.01) written directly on backend primitives with preallocated buffers
 * ({@link PrimitiveLayers}): the floor for {@link MlpStepBenchmark}, which runs the same step through
 * tensors, autograd and the optimizer.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class PrimitiveMlpStepBenchmark {

    static final int BATCH = 128;

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    private Backend b;
    private PrimitiveLayers layers;
    private PrimitiveLayers.Linear fc1;
    private PrimitiveLayers.Linear fc2;
    private PrimitiveLayers.Linear fc3;
    private PrimitiveLayers.CrossEntropy loss;
    private Storage x;
    private Storage labels;
    // Activations (h = pre-ReLU, a = post-ReLU) and their gradients, (batch, width) each.
    private Storage h1;
    private Storage a1;
    private Storage h2;
    private Storage a2;
    private Storage logits;
    private Storage dLogits;
    private Storage da2;
    private Storage dh2;
    private Storage da1;
    private Storage dh1;

    @Setup(Level.Trial)
    public void setUp() {
        b = BenchSupport.open(backend, "PrimitiveMlpStepBenchmark");
        layers = new PrimitiveLayers(b);
        fc1 = layers.linear(784, 512, BATCH, 11L);
        fc2 = layers.linear(512, 256, BATCH, 13L);
        fc3 = layers.linear(256, 10, BATCH, 17L);
        loss = layers.crossEntropy(BATCH, 10);
        x = layers.uniform(BATCH * 784, 19L, 1f);
        labels = BenchSupport.labels(b, BATCH, 10, 23L);
        h1 = layers.floats(BATCH * 512);
        a1 = layers.floats(BATCH * 512);
        h2 = layers.floats(BATCH * 256);
        a2 = layers.floats(BATCH * 256);
        logits = layers.floats(BATCH * 10);
        dLogits = layers.floats(BATCH * 10);
        da2 = layers.floats(BATCH * 256);
        dh2 = layers.floats(BATCH * 256);
        da1 = layers.floats(BATCH * 512);
        dh1 = layers.floats(BATCH * 512);
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
        fc1.forward(x, h1);
        layers.relu(h1, a1, BATCH * 512);
        fc2.forward(a1, h2);
        layers.relu(h2, a2, BATCH * 256);
        fc3.forward(a2, logits);
        loss.forward(logits, labels);

        loss.backward(labels, dLogits);
        fc3.backward(a2, dLogits, da2);
        layers.reluBackward(h2, a2, da2, dh2, BATCH * 256);
        fc2.backward(a1, dh2, da1);
        layers.reluBackward(h1, a1, da1, dh1, BATCH * 512);
        fc1.backward(x, dh1, null);

        layers.sgdStep(0.01f, 0.9f);
        b.synchronize();
    }
}

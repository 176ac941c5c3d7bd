package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.nn.Linear;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
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
 * One training step of a 784-512-256-10 ReLU MLP, batch 128, softmax cross-entropy, SGD with
 * momentum, through Flint's tensors, autograd, {@code nn} and {@code optim} ({@link TrainingStep}).
 * The PyTorch baseline runs the same model and step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class MlpStepBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    private TrainingStep step;

    @Setup(Level.Trial)
    public void setUp() {
        Backend b = BenchSupport.open(backend, "MlpStepBenchmark");
        Rng rng = new Rng(1L);
        Sequential model = new Sequential(
                new Linear(784, 512, true, rng, b), new ReLU(),
                new Linear(512, 256, true, rng, b), new ReLU(),
                new Linear(256, 10, true, rng, b));
        step = new TrainingStep(model, b, Shape.of(128, 784), 10, 2L);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
    }

    /** Loss of the last step; tests use it to check that the step trains. */
    float lastLoss() {
        return step.lastLoss();
    }

    @Benchmark
    public void step() {
        step.run();
    }
}

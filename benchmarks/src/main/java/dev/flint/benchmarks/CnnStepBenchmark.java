package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.nn.Conv2d;
import dev.flint.nn.Flatten;
import dev.flint.nn.Linear;
import dev.flint.nn.MaxPool2d;
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
 * One training step of a LeNet-style CNN, batch 64, through Flint's tensors, autograd, {@code nn}
 * and {@code optim} ({@link TrainingStep}); the PyTorch baseline runs the same network:
 * <pre>
 *   conv 1->6 5x5 pad 2, ReLU, maxpool 2   (64, 1, 28, 28) -> (64, 6, 14, 14)
 *   conv 6->16 5x5, ReLU, maxpool 2        -> (64, 16, 5, 5)
 *   flatten, fc 400->120, ReLU, fc 120->84, ReLU, fc 84->10, softmax cross-entropy
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class CnnStepBenchmark {

    /** Backend name, as {@code Backends.get} takes it. */
    @Param({"cpu", "cuda"})
    public String backend;

    private TrainingStep step;

    @Setup(Level.Trial)
    public void setUp() {
        Backend b = BenchSupport.open(backend, "CnnStepBenchmark");
        Rng rng = new Rng(3L);
        Sequential model = new Sequential(
                new Conv2d(1, 6, 5, 1, 2, true, rng, b), new ReLU(), new MaxPool2d(2),
                new Conv2d(6, 16, 5, 1, 0, true, rng, b), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(400, 120, true, rng, b), new ReLU(),
                new Linear(120, 84, true, rng, b), new ReLU(),
                new Linear(84, 10, true, rng, b));
        step = new TrainingStep(model, b, Shape.of(64, 1, 28, 28), 10, 4L);
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

package dev.flint.benchmarks;

import dev.flint.backend.Backend;
import dev.flint.nn.Module;
import dev.flint.optim.SGD;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * One training step as a Flint user writes it: clear the gradients, forward, softmax cross-entropy,
 * backward, SGD with momentum (lr 0.01, momentum 0.9, as in the PyTorch baseline), every
 * intermediate tensor freed by a scope. The model, a fixed batch and the optimizer are made once.
 *
 * <pre>{@code
 * TrainingStep step = new TrainingStep(model, backend, Shape.of(128, 784), 10, 1L);
 * step.run();                 // one step
 * float loss = step.lastLoss();
 * }</pre>
 */
final class TrainingStep implements AutoCloseable {

    private final Module model;
    private final Backend backend;
    private final Tensor x;
    private final Tensor labels;
    private final SGD optimizer;
    private final float[] lossHost = new float[1];
    private Tensor lastLoss;

    TrainingStep(Module model, Backend backend, Shape inputShape, int classes, long seed) {
        this.model = model;
        this.backend = backend;
        Rng rng = new Rng(seed);
        x = Tensor.on(backend).uniform(inputShape, -1f, 1f, rng);
        int[] y = new int[inputShape.dim(0)];
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(classes);
        }
        labels = Tensor.on(backend).fromInts(y, Shape.of(y.length));
        optimizer = new SGD(model.parameters(), 0.01f, 0.9f, 0f, 0f, false);
    }

    /** One step; waits for the backend so that asynchronous backends are timed for real. */
    void run() {
        if (lastLoss != null) {
            lastLoss.close();
        }
        try (Scope scope = Scope.open()) {
            optimizer.zeroGrad();
            Tensor loss = model.forward(x).crossEntropy(labels);
            loss.backward();
            optimizer.step();
            // The loss stays on the device (no download in the timed step); tests read it.
            lastLoss = scope.keep(loss.detach());
        }
        backend.synchronize();
    }

    /** The loss of the last step's forward pass. */
    float lastLoss() {
        backend.download(lastLoss.storage(), 0, lossHost, 0, 1);
        return lossHost[0];
    }

    @Override
    public void close() {
        if (lastLoss != null) {
            lastLoss.close();
        }
        optimizer.close();
        model.close();
        x.close();
        labels.close();
    }
}

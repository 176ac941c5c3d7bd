package dev.flint.cli;

import dev.flint.autograd.GradMode;
import dev.flint.backend.Backend;
import dev.flint.data.Dataset;
import dev.flint.nn.BatchNorm1d;
import dev.flint.nn.BatchNorm2d;
import dev.flint.nn.Conv2d;
import dev.flint.nn.Dropout;
import dev.flint.nn.Flatten;
import dev.flint.nn.Linear;
import dev.flint.nn.MaxPool2d;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.nn.Module;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * The three networks of the course material, for 28x28 single-channel images and 10 classes. Each
 * returns logits; the softmax is fused into the cross-entropy loss during training and argmax needs
 * none at prediction time.
 *
 * <pre>{@code
 * Sequential mlp = Models.build("mlp", 0.2f, new Rng(42), backend);
 * }</pre>
 *
 * <p>Dropout layers are always present (p may be 0, the identity) so that the parameter names, and
 * therefore saved files, do not depend on the dropout setting.
 */
public final class Models {
    /** The model names {@link #build} accepts. */
    public static final List<String> NAMES = List.of("linear", "mlp", "cnn", "bncnn");
    /** The shape of one input image every model takes: one grey channel of 28 x 28 pixels. */
    public static final Shape INPUT = Shape.of(1, 28, 28);

    private Models() {
    }

    /**
     * A fresh model.
     *
     * @param name {@code linear} (softmax regression 784 -> 10), {@code mlp} (784-256-128-10, ReLU) or
     *     {@code cnn} (LeNet-5 style: conv 5x5 to 6 channels pad 2, ReLU, max pool 2, conv 5x5 to 16, ReLU,
     *     max pool 2, FC 120, 84, 10) or {@code bncnn} (the same plan, wider and with batch normalization
     *     after every convolution and the hidden fully connected layer: conv 5x5 to 16 pad 2, BN, ReLU, max
     *     pool 2, conv 5x5 to 32, BN, ReLU, max pool 2, FC 128, BN, ReLU, 10; the convolutions and that FC
     *     have no bias, which the normalization that follows would cancel)
     * @param dropout drop probability after each hidden fully connected layer (mlp, cnn)
     * @throws IllegalArgumentException for another name
     */
    public static Sequential build(String name, float dropout, Rng rng, Backend backend) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "linear":
                return new Sequential(new Flatten(), new Linear(784, 10, true, rng, backend));
            case "mlp":
                return new Sequential(
                        new Flatten(),
                        new Linear(784, 256, true, rng, backend), new ReLU(), new Dropout(dropout, rng.fork()),
                        new Linear(256, 128, true, rng, backend), new ReLU(), new Dropout(dropout, rng.fork()),
                        new Linear(128, 10, true, rng, backend));
            case "cnn":
                return new Sequential(
                        new Conv2d(1, 6, 5, 1, 2, true, rng, backend), new ReLU(), new MaxPool2d(2),   // 6 x 14 x 14
                        new Conv2d(6, 16, 5, 1, 0, true, rng, backend), new ReLU(), new MaxPool2d(2),  // 16 x 5 x 5
                        new Flatten(),
                        new Linear(400, 120, true, rng, backend), new ReLU(), new Dropout(dropout, rng.fork()),
                        new Linear(120, 84, true, rng, backend), new ReLU(), new Dropout(dropout, rng.fork()),
                        new Linear(84, 10, true, rng, backend));
            case "bncnn":
                return new Sequential(
                        new Conv2d(1, 16, 5, 1, 2, false, rng, backend), new BatchNorm2d(16, 1e-5f, 0.1f, backend),
                        new ReLU(), new MaxPool2d(2),                                                  // 16 x 14 x 14
                        new Conv2d(16, 32, 5, 1, 0, false, rng, backend), new BatchNorm2d(32, 1e-5f, 0.1f, backend),
                        new ReLU(), new MaxPool2d(2),                                                  // 32 x 5 x 5
                        new Flatten(),
                        new Linear(800, 128, false, rng, backend), new BatchNorm1d(128, 1e-5f, 0.1f, backend),
                        new ReLU(), new Dropout(dropout, rng.fork()),
                        new Linear(128, 10, true, rng, backend));
            default:
                throw new IllegalArgumentException("unknown model '" + name + "': expected one of " + NAMES);
        }
    }

    /**
     * Checks that the images of {@code data} are what the models take ({@link #INPUT}), so that images of
     * another size fail here, named, rather than as a shape mismatch deep inside a layer.
     *
     * @throws IllegalArgumentException naming {@code source}, the size found and the size expected
     */
    static void checkImages(String source, String part, Dataset data) {
        Shape s = data.sampleShape();
        if (!s.equals(INPUT)) {
            String found = s.rank() == 3 && s.dim(0) == 1 ? s.dim(1) + "x" + s.dim(2) + " pixels" : "of shape " + s;
            throw new IllegalArgumentException(source + ": the " + part + " images are " + found + ", but the models "
                    + "take 28x28-pixel single-channel MNIST images (shape " + INPUT + ")");
        }
    }

    /**
     * Floats of activations one sample makes in a forward pass of {@code net} (the outputs of every
     * layer), measured by running one blank image through it; a training step keeps about this much per
     * sample for the backward pass, and allocates about as much again for the gradients.
     */
    static long activationFloatsPerSample(Sequential net, Backend backend) {
        long floats = 0;
        boolean training = net.isTraining();
        try (GradMode.Guard noGrad = GradMode.noGrad(); Scope scope = Scope.open()) {
            net.eval();
            Tensor x = Tensor.on(backend).zeros(Shape.of(1, INPUT.dim(0), INPUT.dim(1), INPUT.dim(2)));
            for (int i = 0; i < net.size(); i++) {
                Module layer = net.get(i);
                x = layer.forward(x);
                floats += x.size();
            }
        } finally {
            net.train(training);
        }
        return floats;
    }
}

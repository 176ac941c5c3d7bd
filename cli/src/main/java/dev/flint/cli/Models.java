package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.nn.Conv2d;
import dev.flint.nn.Dropout;
import dev.flint.nn.Flatten;
import dev.flint.nn.Linear;
import dev.flint.nn.MaxPool2d;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.tensor.Rng;
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
    public static final List<String> NAMES = List.of("linear", "mlp", "cnn");

    private Models() {
    }

    /**
     * A fresh model.
     *
     * @param name {@code linear} (softmax regression 784 -> 10), {@code mlp} (784-256-128-10, ReLU) or
     *     {@code cnn} (LeNet-5 style: conv 5x5 to 6 channels pad 2, ReLU, max pool 2, conv 5x5 to 16, ReLU,
     *     max pool 2, FC 120, 84, 10)
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
            default:
                throw new IllegalArgumentException("unknown model '" + name + "': expected one of " + NAMES);
        }
    }
}

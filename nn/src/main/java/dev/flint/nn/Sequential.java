package dev.flint.nn;

import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs its children in order, each one's output the next one's input. Children are named
 * {@code "0"}, {@code "1"}, ... as in PyTorch, so parameters are {@code "0.weight"}, {@code "0.bias"}.
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(
 *         new Linear(784, 256, rng), new ReLU(),
 *         new Linear(256, 10, rng));
 * Tensor logits = mlp.forward(images);   // (N, 784) -> (N, 10)
 * }</pre>
 */
public class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) {
        for (Module m : layers) {
            add(m);
        }
    }

    /** Appends {@code layer} (named by its position); returns this. */
    public Sequential add(Module layer) {
        registerModule(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    /** The {@code i}-th layer. */
    public Module get(int i) {
        return layers.get(i);
    }

    /** Number of layers. */
    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = x;
        for (Module m : layers) {
            out = m.forward(out);
        }
        return out;
    }
}

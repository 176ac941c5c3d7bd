package planted.flint.nn;

import planted.flint.train.Trainer;

/** Planted: a layer reaches up into the training loop. */
public class Layer {
    public Trainer trainer;
}

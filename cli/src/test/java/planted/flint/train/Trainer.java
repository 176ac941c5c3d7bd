package planted.flint.train;

/** Planted: the training loop (the layer above nn). */
public class Trainer {
}

package dev.flint.nn;

import dev.flint.tensor.Tensor;

/** The argument checks the two pooling layers share, so their messages read alike. */
final class Pooling {
    private Pooling() {
    }

    static void check(String layer, int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException(layer + ": need kernel >= 1, stride >= 1 and 0 <= padding <= kernel/2, "
                    + "got kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
    }

    static void checkInput(String layer, Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(layer + ": input " + x.shape() + " should be (N, C, H, W)");
        }
    }
}

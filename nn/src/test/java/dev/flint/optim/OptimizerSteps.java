package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.function.Function;

/**
 * Drives an optimizer over one two-element parameter {@code p0 = [1, -2]} with fixed gradients per
 * step, so each test's expected values follow from its update rule by hand.
 */
final class OptimizerSteps {
    static final float[] P0 = {1f, -2f};
    static final float[][] GRADS = {{0.5f, -1f}, {0.25f, 2f}, {-1f, 0.5f}};

    private OptimizerSteps() {
    }

    /** A fresh parameter {@code p0} that requires a gradient. */
    static Tensor parameter() {
        return Tensor.onDefault().fromFloats(P0.clone(), Shape.of(2)).requiresGrad(true);
    }

    /**
     * Runs {@code expected.length} steps of the optimizer made by {@code make} and checks the parameter
     * after each against {@code expected[step]}.
     */
    static void assertTrajectory(Function<Tensor, Optimizer> make, float[]... expected) {
        assertTrajectory(1e-6f, make, expected);
    }

    /** As above with an absolute tolerance {@code tol}. */
    static void assertTrajectory(float tol, Function<Tensor, Optimizer> make, float[]... expected) {
        Tensor p = parameter();
        try (Optimizer opt = make.apply(p)) {
            for (int step = 0; step < expected.length; step++) {
                p.setGrad(Tensor.onDefault().fromFloats(GRADS[step].clone(), Shape.of(2)));
                opt.step();
                assertArrayEquals(expected[step], p.toFloatArray(), tol, "after step " + (step + 1));
            }
        } finally {
            p.close();
        }
    }
}

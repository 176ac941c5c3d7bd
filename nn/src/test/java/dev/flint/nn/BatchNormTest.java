package dev.flint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BatchNorm1d and BatchNorm2d: PyTorch's numbers in both modes, the running statistics, the state. */
class BatchNormTest {

    @Test
    void batchNorm2dMatchesPyTorchInTrainingAndEvaluation() {
        try (BatchNorm2d bn = new BatchNorm2d(2)) {
            bn.weight().copyFrom(Tensor.onDefault().fromFloats(new float[] {1.5f, 0.5f}, Shape.of(2)));
            bn.bias().copyFrom(Tensor.onDefault().fromFloats(new float[] {0.25f, -1f}, Shape.of(2)));
            Tensor x1 = LayerValues.wave(Shape.of(3, 2, 2, 2), 0.41, 0.2, 3.0);
            Tensor x2 = Tensor.onDefault().fromFloats(LayerValues.plus(LayerValues.wave(24, 0.23, 1.1, 2.0), 0.5f),
                    Shape.of(3, 2, 2, 2));
            // scripts/pytorch/layer_values.py, torch 1.13: torch.nn.BatchNorm2d(2), two training steps, then eval
            float[] train1 = {
            0.167139098f, 0.928692698f, 1.49699223f, 1.77783751f, -0.301813811f,
            -0.461865366f, -0.732950389f, -1.07013416f, -0.912828445f, -1.62205637f,
            -2.10173035f, -2.27234054f, -1.92209244f, -1.72054946f, -1.42140257f,
            -1.0742377f, 0.696855247f, 1.34019315f, 1.72206724f, 1.77917898f,
            -0.395983636f, -0.635163188f, -0.956650555f, -1.30715656f};
            float[] runningMean = {
            0.110320121f, 0.0649292096f};
            float[] runningVar = {
            1.55163622f, 1.29463112f};
            float[] eval = {
            0.834860384f, 2.18667722f, 3.19545293f, 3.69397521f, 0.242293224f,
            -0.00279289274f, -0.41790399f, -0.934231758f, -1.08216596f, -2.34110045f,
            -3.19255924f, -3.49540544f, -2.23883104f, -1.93020928f, -1.4721272f,
            -0.940515518f, 1.77514768f, 2.91712236f, 3.59497857f, 3.6963563f,
            0.0980914533f, -0.268162936f, -0.760454834f, -1.2971828f};
            assertArrayEquals(train1, bn.forward(x1).toFloatArray(), 2e-6f);
            bn.forward(x2);
            assertArrayEquals(runningMean, bn.runningMean().toFloatArray(), 1e-6f);
            assertArrayEquals(runningVar, bn.runningVar().toFloatArray(), 1e-6f);
            bn.eval();
            assertArrayEquals(eval, bn.forward(x1).toFloatArray(), 4e-6f);
            assertArrayEquals(runningMean, bn.runningMean().toFloatArray(), 1e-6f, "evaluation leaves them alone");
        }
    }

    @Test
    void batchNorm1dMatchesPyTorchWithItsMomentum() {
        try (BatchNorm1d bn = new BatchNorm1d(3, 1e-5f, 0.2f)) {
            Tensor f = LayerValues.wave(Shape.of(4, 3), 0.77, 0.4, 2.0);
            float[] features = {
            0.307344258f, 0.960586131f, 1.06412256f, 0.34978345f, -0.892319202f,
            -1.62504208f, -1.66409028f, -1.10153437f, 0.0939861834f, 1.00696254f,
            1.03326726f, 0.46693334f};
            float[] featuresRunningMean = {
            0.0720510632f, 0.108522132f, 0.0837673172f};
            float[] featuresRunningVar = {
            1.29462492f, 1.28757215f, 1.29266989f};
            assertArrayEquals(features, bn.forward(f).toFloatArray(), 2e-6f);
            assertArrayEquals(featuresRunningMean, bn.runningMean().toFloatArray(), 1e-6f);
            assertArrayEquals(featuresRunningVar, bn.runningVar().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesInBothModes() {
        try (BatchNorm2d bn = new BatchNorm2d(3)) {
            bn.weight().copyFrom(LayerValues.wave(Shape.of(3), 0.9, 0.4, 1.0));
            bn.bias().copyFrom(LayerValues.wave(Shape.of(3), 0.5, 0.1, 0.5));
            // momentum 0 would freeze them, but training mode's statistics come from the batch anyway
            LayerGradients.assertGradients(bn, Tensor.onDefault().randn(Shape.of(2, 3, 2, 3), new Rng(8)));
            bn.eval();
            LayerGradients.assertGradients(bn, Tensor.onDefault().randn(Shape.of(2, 3, 2, 3), new Rng(9)));
        }
        try (BatchNorm1d bn = new BatchNorm1d(4)) {
            LayerGradients.assertGradients(bn, Tensor.onDefault().randn(Shape.of(5, 4), new Rng(10)));
            LayerGradients.assertGradients(bn, Tensor.onDefault().randn(Shape.of(3, 4, 2), new Rng(11)));
        }
    }

    @Test
    void runningStatisticsAreBuffersInTheStateDictNotParameters() {
        try (BatchNorm2d a = new BatchNorm2d(2); BatchNorm2d b = new BatchNorm2d(2)) {
            assertEquals(List.of("weight", "bias"), List.copyOf(a.namedParameters().keySet()));
            assertEquals(List.of("running_mean", "running_var"), List.copyOf(a.namedBuffers().keySet()));
            assertFalse(a.runningMean().requiresGrad());
            a.forward(LayerValues.wave(Shape.of(3, 2, 2, 2), 0.41, 0.2, 3.0));
            Map<String, Tensor> state = a.stateDict();
            assertEquals(List.of("weight", "bias", "running_mean", "running_var"), List.copyOf(state.keySet()));
            b.loadStateDict(state);
            assertArrayEquals(a.runningMean().toFloatArray(), b.runningMean().toFloatArray());
            assertArrayEquals(a.runningVar().toFloatArray(), b.runningVar().toFloatArray());
            state.values().forEach(Tensor::close);
        }
    }

    @Test
    void aChildsBuffersGetDottedNames() {
        try (Sequential net = new Sequential(new Linear(3, 4, new Rng(1)), new BatchNorm1d(4))) {
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"),
                    List.copyOf(net.stateDict().keySet()));
            net.eval();
            assertFalse(net.children().get("1").isTraining());
        }
    }

    @Test
    void refusesOneValuePerChannelInTrainingAndTheWrongLayout() {
        try (BatchNorm1d bn = new BatchNorm1d(3); BatchNorm2d bn2 = new BatchNorm2d(3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bn.forward(Tensor.onDefault().zeros(Shape.of(1, 3))));
            assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> bn2.forward(Tensor.onDefault().zeros(Shape.of(2, 3))));
            assertTrue(e.getMessage().contains("(N, C, H, W)") && e.getMessage().contains("[2, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.onDefault().zeros(Shape.of(2, 4))));
            assertTrue(e.getMessage().contains("4 channels") && e.getMessage().contains("expected 3"), e.getMessage());
            bn.eval();
            assertEquals(2, bn.forward(Tensor.onDefault().zeros(Shape.of(1, 3))).rank(), "evaluation takes one sample");
        }
    }
}

package dev.flint.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegularizationTest {

    @Test
    void l2IsLambdaTimesTheSumOfSquaresWithGradientTwoLambdaW() {
        Tensor a = Tensor.onDefault().fromFloats(new float[] {1, -2}, Shape.of(2)).requiresGrad(true);
        Tensor b = Tensor.onDefault().fromFloats(new float[] {3}, Shape.of(1, 1)).requiresGrad(true);
        Tensor penalty = Regularization.l2(List.of(a, b), 0.1f);
        assertEquals(0.1f * (1 + 4 + 9), penalty.item(), 1e-6f);
        penalty.backward();
        assertArrayEquals(new float[] {0.2f, -0.4f}, a.grad().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.6f}, b.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void l1IsLambdaTimesTheSumOfAbsoluteValuesWithGradientLambdaSign() {
        Tensor a = Tensor.onDefault().fromFloats(new float[] {1, -2, 0.5f}, Shape.of(3)).requiresGrad(true);
        Tensor penalty = Regularization.l1(List.of(a), 0.5f);
        assertEquals(0.5f * 3.5f, penalty.item(), 1e-6f);
        penalty.backward();
        assertArrayEquals(new float[] {0.5f, -0.5f, 0.5f}, a.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void rejectsNoParametersAndNegativeLambda() {
        assertThrows(IllegalArgumentException.class, () -> Regularization.l2(List.of(), 0.1f));
        assertThrows(IllegalArgumentException.class,
                () -> Regularization.l1(List.of(Tensor.onDefault().zeros(Shape.of(1))), -1f));
    }
}

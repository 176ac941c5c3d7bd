package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.data.DataLoader;
import dev.flint.data.Datasets;
import dev.flint.data.EmbeddedMnist;
import dev.flint.data.Mnist;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.train.Metrics;
import dev.flint.train.Trainer;
import dev.flint.train.TrainerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {
    private final Backend cpu = Backends.get("cpu");

    @Test
    void eachModelHasTheCourseArchitectureAndMapsImagesToTenLogits() {
        // linear 784*10+10; mlp 784*256+256 + 256*128+128 + 128*10+10;
        // cnn 6*25+6 + 16*6*25+16 + 400*120+120 + 120*84+84 + 84*10+10;
        // bncnn 16*25 + 2*16 + 32*16*25 + 2*32 + 800*128 + 2*128 + 128*10+10 (convolutions and FC 800 without bias)
        long[] expected = {7_850, 235_146, 61_706, 117_242};
        for (int i = 0; i < expected.length; i++) {
            try (Sequential net = Models.build(Models.NAMES.get(i), 0.5f, new Rng(1), cpu)) {
                assertEquals(expected[i], net.parameterCount(), Models.NAMES.get(i));
                Tensor logits = net.eval().forward(Tensor.on(cpu).zeros(Shape.of(3, 1, 28, 28)));
                assertArrayEquals(new int[] {3, 10}, logits.shape().dims(), Models.NAMES.get(i));
            }
        }
    }

    @Test
    void theBatchNormCnnNormalisesWithBatchStatisticsInTrainingAndRunningOnesInEvaluation() {
        try (Sequential net = Models.build("bncnn", 0f, new Rng(1), cpu)) {
            Tensor images = Tensor.on(cpu).randn(Shape.of(4, 1, 28, 28), new Rng(2));
            float[] training = net.train().forward(images).toFloatArray();
            float[] evaluation = net.eval().forward(images).toFloatArray();
            assertEquals(40, training.length);
            double diff = 0;
            for (int i = 0; i < 40; i++) {
                diff += Math.abs(training[i] - evaluation[i]);
            }
            assertTrue(diff > 1e-3, "training mode uses the batch's statistics, evaluation the running ones");
            java.util.Map<String, Tensor> state = net.stateDict();
            assertTrue(state.keySet().stream().anyMatch(k -> k.endsWith("running_mean")),
                    "running statistics are saved with the model");
            state.values().forEach(Tensor::close);
            images.close();
        }
    }

    @Test
    void parameterNamesDoNotDependOnDropout() {
        try (Sequential with = Models.build("cnn", 0.5f, new Rng(1), cpu);
             Sequential without = Models.build("cnn", 0f, new Rng(1), cpu)) {
            assertEquals(List.copyOf(with.namedParameters().keySet()), List.copyOf(without.namedParameters().keySet()));
        }
    }

    @Test
    void rejectsAnUnknownName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Models.build("vgg", 0f, new Rng(1), cpu));
        assertTrue(e.getMessage().contains("vgg"), e.getMessage());
    }

    @Test
    void fourEpochsOfTheMlpOnTwoThousandEmbeddedImagesReachEightyEightPercentOnTheTestImages() {
        Mnist.Data mnist = EmbeddedMnist.load(Mnist.Normalization.STANDARD);
        DataLoader train = DataLoader.builder(Datasets.balancedSubset(mnist.train(), 200, 1)).batchSize(32)
                .shuffle(true).seed(1).backend(cpu).build();
        DataLoader test = DataLoader.builder(mnist.test()).batchSize(500).backend(cpu).build();
        try (Sequential net = Models.build("mlp", 0f, new Rng(42), cpu);
             Adam adam = new Adam(net.parameters(), 1e-3f)) {
            new Trainer(net, new CrossEntropyLoss(), adam, TrainerConfig.builder().epochs(4).build()).fit(train, null);
            double accuracy = Metrics.evaluate(net, test, new CrossEntropyLoss()).accuracy();
            assertTrue(accuracy >= 0.88, "test accuracy " + accuracy);
        }
    }
}

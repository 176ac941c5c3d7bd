package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.data.DataLoader;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.optim.SGD;
import dev.flint.optim.StepLR;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {

    @Test
    void aShortRunOnSeparableBlobsReachesNinetyFivePercentValidationAccuracy() {
        DataLoader train = Synthetic.loader(Synthetic.blobs(300, 1), 32, true);
        DataLoader validation = Synthetic.loader(Synthetic.blobs(150, 2), 50, false);
        try (Sequential model = Synthetic.mlp(2, 16, 3, 3);
             SGD sgd = new SGD(model.parameters(), 0.1f, 0.9f, 0f, 0f, false)) {
            Trainer trainer = new Trainer(model, new CrossEntropyLoss(), sgd,
                    TrainerConfig.builder().epochs(5).build());
            History h = trainer.fit(train, validation);
            assertEquals(5, h.size());
            EpochRecord last = h.last().orElseThrow();
            assertTrue(last.validationAccuracy() >= 0.95, h.toCsv());
            assertTrue(last.trainLoss() < h.records().get(0).trainLoss(), h.toCsv());
            assertEquals(last.validationAccuracy(), trainer.evaluate(validation).accuracy(), 1e-12);
        }
    }

    @Test
    void earlyStoppingEndsARunWhoseValidationLossStopsImproving() {
        // Random labels: the model can only memorise the training set, so validation loss soon rises.
        DataLoader train = Synthetic.loader(Synthetic.noise(60, 10, 3, 4), 20, true);
        DataLoader validation = Synthetic.loader(Synthetic.noise(60, 10, 3, 5), 60, false);
        EarlyStopping stopping = new EarlyStopping(3, 0, true);
        try (Sequential model = Synthetic.mlp(10, 64, 3, 6); Adam adam = new Adam(model.parameters(), 0.01f)) {
            Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam,
                    TrainerConfig.builder().epochs(100).earlyStopping(stopping).build());
            History h = trainer.fit(train, validation);
            assertTrue(h.size() < 100, "ran all " + h.size() + " epochs");
            EpochRecord best = h.best().orElseThrow();
            // It stopped exactly `patience` epochs after the best one...
            assertEquals(best.epoch() + 3, h.size(), h.toCsv());
            assertTrue(trainer.stopReason().startsWith("early stopping"), trainer.stopReason());
            // ...and put the best epoch's weights back.
            assertEquals(best.validationLoss(), trainer.evaluate(validation).loss(), 1e-6);
        }
    }

    @Test
    void l2PenaltyKeepsTheWeightsSmaller() {
        double plain = weightNorm(0f);
        double penalised = weightNorm(0.05f);
        assertTrue(penalised < 0.8 * plain, "L2 " + penalised + " vs plain " + plain);
    }

    private static double weightNorm(float l2) {
        DataLoader train = Synthetic.loader(Synthetic.noise(60, 10, 3, 4), 20, true);
        try (Sequential model = Synthetic.mlp(10, 32, 3, 6); Adam adam = new Adam(model.parameters(), 0.01f)) {
            new Trainer(model, new CrossEntropyLoss(), adam, TrainerConfig.builder().epochs(20).l2(l2).build())
                    .fit(train, null);
            double sum = 0;
            for (float v : model.namedParameters().get("0.weight").toFloatArray()) {
                sum += v * v;
            }
            return Math.sqrt(sum);
        }
    }

    @Test
    void l1PenaltyShrinksTheSumOfAbsoluteWeights() {
        assertTrue(weightL1(0.01f) < 0.8 * weightL1(0f));
    }

    private static double weightL1(float l1) {
        DataLoader train = Synthetic.loader(Synthetic.noise(60, 10, 3, 4), 20, true);
        try (Sequential model = Synthetic.mlp(10, 32, 3, 6); Adam adam = new Adam(model.parameters(), 0.01f)) {
            new Trainer(model, new CrossEntropyLoss(), adam, TrainerConfig.builder().epochs(20).l1(l1).build())
                    .fit(train, null);
            double sum = 0;
            for (float v : model.namedParameters().get("0.weight").toFloatArray()) {
                sum += Math.abs(v);
            }
            return sum;
        }
    }

    @Test
    void gradientClippingBoundsHowFarEachStepMovesTheParameters() {
        // Plain SGD moves the parameters by lr * g per step; clipped, |g| <= maxNorm, so after `steps`
        // steps they lie within steps * lr * maxNorm of where they started.
        DataLoader train = Synthetic.loader(Synthetic.blobs(90, 1), 30, false);
        try (Sequential model = Synthetic.mlp(2, 8, 3, 3); SGD sgd = new SGD(model.parameters(), 0.5f)) {
            float[][] start = values(model);
            new Trainer(model, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(2).gradClipNorm(0.01f).build())
                    .fit(train, null);
            float[][] end = values(model);
            double moved = 0;
            for (int i = 0; i < start.length; i++) {
                for (int k = 0; k < start[i].length; k++) {
                    moved += (end[i][k] - start[i][k]) * (double) (end[i][k] - start[i][k]);
                }
            }
            double bound = 6 * 0.5 * 0.01;   // 2 epochs of 3 batches
            assertTrue(Math.sqrt(moved) <= bound * (1 + 1e-4), "moved " + Math.sqrt(moved) + " > " + bound);
            assertTrue(Math.sqrt(moved) > 0.5 * bound, "clipped steps still move: " + Math.sqrt(moved));
        }
    }

    private static float[][] values(Sequential model) {
        List<Tensor> params = model.parameters();
        float[][] out = new float[params.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = params.get(i).toFloatArray();
        }
        return out;
    }

    @Test
    void aDivergingRunStopsAndSaysWhy() {
        DataLoader train = Synthetic.loader(Synthetic.blobs(90, 1), 30, false);
        try (Sequential model = Synthetic.mlp(2, 8, 3, 3); SGD sgd = new SGD(model.parameters(), 1e8f)) {
            Trainer trainer = new Trainer(model, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(20).build());
            History h = trainer.fit(train, null);
            assertTrue(h.size() < 20, h.toCsv());
            assertTrue(trainer.stopReason().startsWith("training loss became"), trainer.stopReason());
        }
    }

    @Test
    void listenersHearEveryBatchAndEpochAndTheScheduleRuns() {
        DataLoader train = Synthetic.loader(Synthetic.blobs(90, 1), 30, false);
        List<String> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onTrainStart(int epochs, int batchesPerEpoch) {
                events.add("start " + epochs + "x" + batchesPerEpoch);
            }

            @Override
            public void onBatchEnd(int epoch, int batch, double loss, double accuracy) {
                events.add("batch " + epoch + "." + batch);
            }

            @Override
            public void onEpochEnd(EpochRecord record) {
                events.add("epoch " + record.epoch() + " lr " + record.learningRate());
            }

            @Override
            public void onTrainEnd(History history, String reason) {
                events.add("end " + history.size());
            }
        };
        try (Sequential model = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(model.parameters(), 0.5f)) {
            new Trainer(model, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(2).logEvery(1)
                    .scheduler(new StepLR(sgd, 1, 0.5f)).listener(listener).build()).fit(train, null);
        }
        assertEquals(List.of("start 2x3", "batch 1.1", "batch 1.2", "batch 1.3", "epoch 1 lr 0.5",
                "batch 2.1", "batch 2.2", "batch 2.3", "epoch 2 lr 0.25", "end 2"), events);
    }

    @Test
    void listenersHearTheRunningFiguresAtEachLoggingPointAndAtTheEndOfEachEpoch() {
        DataLoader train = Synthetic.loader(Synthetic.blobs(70, 1), 10, false);   // 7 batches
        List<String> events = new ArrayList<>();
        List<double[]> figures = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, double loss, double accuracy) {
                events.add(epoch + "." + batch);
                figures.add(new double[] {loss, accuracy});
            }
        };
        History h;
        try (Sequential model = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(model.parameters(), 0.5f)) {
            h = new Trainer(model, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(2).logEvery(3)
                    .listener(listener).build()).fit(train, null);
        }
        assertEquals(List.of("1.3", "1.6", "1.7", "2.3", "2.6", "2.7"), events);
        // The last logging point of an epoch reports what the history keeps.
        assertEquals(h.records().get(0).trainLoss(), figures.get(2)[0], 0);
        assertEquals(h.records().get(1).trainAccuracy(), figures.get(5)[1], 0);
    }

    @Test
    void theEpochFiguresMatchALossAndAccuracyComputedOnTheHost() {
        // No training (lr 0): every batch of the epoch sees the same model, so the epoch's mean training
        // loss and accuracy equal one evaluation of it, computed here batch by batch on the host.
        DataLoader train = Synthetic.loader(Synthetic.blobs(95, 4), 10, false);
        try (Sequential model = Synthetic.mlp(2, 8, 3, 5); SGD sgd = new SGD(model.parameters(), 0f)) {
            double lossSum = 0;
            long right = 0;
            for (dev.flint.data.Batch b : train.epoch(0)) {
                try (b; Scope s = Scope.open()) {
                    Tensor out = model.forward(b.features());
                    lossSum += (double) new CrossEntropyLoss().compute(out, b.labels()).item() * b.size();
                    right += Metrics.correct(out, b.labels());
                }
            }
            History h = new Trainer(model, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(1).logEvery(4)
                    .build()).fit(train, null);
            assertEquals(lossSum / 95, h.records().get(0).trainLoss(), 1e-6);
            assertEquals(right / 95.0, h.records().get(0).trainAccuracy(), 0);
        }
    }

    @Test
    void aStepLeavesNoIntermediateTensorBehind() {
        DataLoader train = Synthetic.loader(Synthetic.blobs(30, 1), 10, false);
        try (Sequential model = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(model.parameters(), 0.1f)) {
            try (Scope outer = Scope.open()) {
                new Trainer(model, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(1).build())
                        .fit(train, null);
                assertEquals(0, outer.ownedCount(), "tensors left in the caller's scope");
            }
            for (Tensor p : model.parameters()) {
                assertTrue(!p.isClosed() && p.grad() != null && !p.grad().isClosed());
            }
        }
    }

    @Test
    void earlyStoppingWithoutValidationDataIsRejected() {
        try (Sequential model = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(model.parameters(), 0.1f)) {
            Trainer trainer = new Trainer(model, new CrossEntropyLoss(), sgd,
                    TrainerConfig.builder().earlyStopping(new EarlyStopping(2, 0, false)).build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.fit(Synthetic.loader(Synthetic.blobs(30, 1), 10, false), null));
            assertTrue(e.getMessage().contains("validation"), e.getMessage());
        }
    }
}

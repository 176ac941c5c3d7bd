package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.data.ArrayDataset;
import dev.flint.data.DataLoader;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Conv2d;
import dev.flint.nn.Dropout;
import dev.flint.nn.Flatten;
import dev.flint.nn.Linear;
import dev.flint.nn.MaxPool2d;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.tensor.Rng;
import dev.flint.testing.CountingBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A training step never waits for the device: between two logging points the trainer makes no host
 * sync at all (no download, no synchronize, no {@code item()}), and each logging point costs exactly
 * one. Counted with a {@link CountingBackend} around the test backend, for the MLP and the CNN step with
 * dropout, an L2 penalty and gradient clipping switched on, so every part of the step is exercised.
 */
class TrainerHostSyncTest {
    private static final int BATCHES = 12;
    private static final int LOG_EVERY = 4;

    private static Sequential model(String kind, Rng rng, Backend backend) {
        if (kind.equals("mlp")) {
            return new Sequential(new Flatten(), new Linear(64, 16, true, rng, backend), new ReLU(),
                    new Dropout(0.2f, rng.fork()), new Linear(16, 3, true, rng, backend));
        }
        return new Sequential(new Conv2d(1, 4, 3, 1, 1, true, rng, backend), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(64, 16, true, rng, backend), new ReLU(), new Dropout(0.2f, rng.fork()),
                new Linear(16, 3, true, rng, backend));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn"})
    void aTrainingStepMakesNoHostSyncBetweenLoggingPoints(String kind) {
        CountingBackend counting = CountingBackend.wrap(Backends.defaultBackend());
        Rng rng = new Rng(3);
        float[] x = new float[BATCHES * 8 * 64];
        int[] y = new int[BATCHES * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3;
        }
        DataLoader loader = DataLoader.builder(new ArrayDataset(x, y, 3, 1, 8, 8)).batchSize(8).shuffle(true)
                .seed(1).backend(counting.backend()).build();
        List<Long> syncsAt = new ArrayList<>();
        TrainingListener log = new TrainingListener() {
            @Override
            public void onEpochStart(int epoch) {
                syncsAt.add(counting.hostSyncs());
            }

            @Override
            public void onBatchEnd(int epoch, int batch, double loss, double accuracy) {
                syncsAt.add(counting.hostSyncs());
            }
        };
        try (Sequential net = model(kind, rng, counting.backend()); Adam adam = new Adam(net.parameters(), 1e-3f)) {
            new Trainer(net, new CrossEntropyLoss(), adam, TrainerConfig.builder().epochs(2).logEvery(LOG_EVERY)
                    .l2(1e-4f).gradClipNorm(1f).listener(log).build()).fit(loader, null);
        }
        int pointsPerEpoch = BATCHES / LOG_EVERY;
        assertEquals(2 * (1 + pointsPerEpoch), syncsAt.size(), "epoch starts and logging points");
        for (int e = 0; e < 2; e++) {
            for (int p = 1; p <= pointsPerEpoch; p++) {
                int at = e * (1 + pointsPerEpoch) + p;
                long syncs = syncsAt.get(at) - syncsAt.get(at - 1);
                // The one sync is the logging point's own read of the running loss and accuracy.
                assertEquals(1, syncs, kind + ": host syncs over the " + LOG_EVERY + " steps before logging point "
                        + p + " of epoch " + (e + 1) + " (" + (syncs - 1) / (double) LOG_EVERY + " per step)");
            }
        }
        System.out.printf("[host syncs] %s step: 0 per step, 1 per logging point (every %d steps)%n", kind, LOG_EVERY);
    }
}

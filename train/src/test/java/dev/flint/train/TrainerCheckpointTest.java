package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.data.DataLoader;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Dropout;
import dev.flint.nn.Linear;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.optim.Optimizer;
import dev.flint.optim.SGD;
import dev.flint.optim.StepLR;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerCheckpointTest {
    private static final int EPOCHS = 6;

    /** Thrown by a listener to stop a run the way a crash would, after a checkpoint was written. */
    private static final class Crash extends RuntimeException {
    }

    private static Sequential model(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(10, 16, rng), new ReLU(), new Dropout(0.3f, rng.fork()),
                new Linear(16, 3, rng));
    }

    private static TrainerConfig.Builder config(Optimizer opt, Path checkpoint) {
        return TrainerConfig.builder().epochs(EPOCHS).logEvery(2).l2(1e-3f).gradClipNorm(2f)
                .scheduler(new StepLR(opt, 2, 0.5f)).earlyStopping(new EarlyStopping(10, 0, true))
                .checkpoint(checkpoint, Map.of("run", "test"));
    }

    private static float[][] weights(Sequential m) {
        List<Tensor> p = m.parameters();
        float[][] out = new float[p.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).toFloatArray();
        }
        return out;
    }

    @Test
    void aResumedRunEndsWithExactlyTheWeightsOfAnUninterruptedRun(@TempDir Path dir) throws IOException {
        DataLoader train = Synthetic.loader(Synthetic.noise(60, 10, 3, 4), 16, true);
        DataLoader validation = Synthetic.loader(Synthetic.noise(30, 10, 3, 5), 30, false);

        float[][] straight;
        History straightHistory;
        try (Sequential m = model(1); Adam adam = new Adam(m.parameters(), 0.02f)) {
            straightHistory = new Trainer(m, new CrossEntropyLoss(), adam,
                    config(adam, dir.resolve("a.safetensors")).build()).fit(train, validation);
            straight = weights(m);
        }

        Path file = dir.resolve("b.safetensors");
        try (Sequential m = model(1); Adam adam = new Adam(m.parameters(), 0.02f)) {
            TrainingListener crashAfterEpoch3 = new TrainingListener() {
                @Override
                public void onEpochEnd(EpochRecord r) {
                    if (r.epoch() == 3) {
                        throw new Crash();
                    }
                }
            };
            Trainer t = new Trainer(m, new CrossEntropyLoss(), adam, config(adam, file).listener(crashAfterEpoch3).build());
            assertThrows(Crash.class, () -> t.fit(train, validation));
        }
        Checkpoint c = Checkpoint.read(file);
        assertEquals(3, c.epoch());
        assertEquals("test", c.metadata().get("run"));
        assertTrue(c.stopReason().isEmpty());

        // A new process would build everything afresh: another seed proves the weights come from the file.
        float[][] resumed;
        History resumedHistory;
        try (Sequential m = model(99); Adam adam = new Adam(m.parameters(), 0.5f)) {
            resumedHistory = new Trainer(m, new CrossEntropyLoss(), adam, config(adam, file).build())
                    .resume(c, train, validation);
            resumed = weights(m);
        }
        for (int i = 0; i < straight.length; i++) {
            assertArrayEquals(straight[i], resumed[i], 0f, "parameter " + i);
        }
        assertEquals(EPOCHS, resumedHistory.size());
        for (int e = 0; e < EPOCHS; e++) {
            EpochRecord a = straightHistory.records().get(e);
            EpochRecord b = resumedHistory.records().get(e);
            assertEquals(List.of(a.trainLoss(), a.trainAccuracy(), a.validationLoss(), a.learningRate()),
                    List.of(b.trainLoss(), b.trainAccuracy(), b.validationLoss(), b.learningRate()), "epoch " + (e + 1));
        }
        // The last checkpoints agree too, optimizer state included (only the timings in the history differ).
        var backend = dev.flint.backend.Backends.defaultBackend();
        Checkpoint a = Checkpoint.read(dir.resolve("a.safetensors"));
        Checkpoint b = Checkpoint.read(file);
        assertEquals(EPOCHS, b.epoch());
        for (var e : a.optimizer(backend).entrySet()) {
            Tensor other = b.optimizer(backend).get(e.getKey());
            if (e.getValue().dtype() == dev.flint.backend.DType.INT32) {
                assertArrayEquals(e.getValue().toIntArray(), other.toIntArray(), e.getKey());
            } else {
                assertArrayEquals(e.getValue().toFloatArray(), other.toFloatArray(), 0f, e.getKey());
            }
        }
    }

    @Test
    void aDivergedRunStopsAndKeepsTheLastFiniteCheckpoint(@TempDir Path dir) throws IOException {
        DataLoader train = Synthetic.loader(Synthetic.blobs(90, 1), 30, false);
        Path file = dir.resolve("checkpoint.safetensors");
        try (Sequential m = Synthetic.mlp(2, 8, 3, 3); SGD sgd = new SGD(m.parameters(), 0.1f)) {
            // The rate jumps a million-fold after two epochs: the loss overflows in the third.
            Trainer t = new Trainer(m, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(6)
                    .scheduler(new StepLR(sgd, 2, 1e7f)).checkpoint(file, Map.of()).build());
            History h = t.fit(train, null);
            assertTrue(t.diverged(), t.stopReason());
            assertTrue(t.stopReason().startsWith("training loss became"), t.stopReason());
            int lastFinite = h.size() - 1;
            assertTrue(lastFinite >= 2, h.toCsv());
            Checkpoint c = Checkpoint.read(file);
            assertEquals(lastFinite, c.epoch(), "the diverged epoch must not replace the checkpoint");
            for (Tensor w : c.model(m.parameters().get(0).backend()).values()) {
                for (float v : w.toFloatArray()) {
                    assertTrue(Float.isFinite(v), "a checkpointed weight is " + v);
                }
            }
        }
    }

    @Test
    void aCheckpointThatCannotBeWrittenStopsTheRunNamingTheFile(@TempDir Path dir) throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        Path file = notAFolder.resolve("checkpoint.safetensors");
        DataLoader train = Synthetic.loader(Synthetic.blobs(30, 1), 10, false);
        try (Sequential m = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(m.parameters(), 0.1f)) {
            Trainer t = new Trainer(m, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(2)
                    .checkpoint(file, Map.of()).build());
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> t.fit(train, null));
            assertTrue(e.getCause().getMessage().startsWith("cannot write the checkpoint " + file + ": "),
                    e.getCause().getMessage());
        }
    }

    @Test
    void aCheckpointOfAnotherSetupIsRefusedBeforeAnythingChanges(@TempDir Path dir) throws IOException {
        DataLoader train = Synthetic.loader(Synthetic.blobs(30, 1), 10, false);
        Path file = dir.resolve("checkpoint.safetensors");
        try (Sequential m = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(m.parameters(), 0.1f)) {
            new Trainer(m, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(1).checkpoint(file, Map.of())
                    .build()).fit(train, null);
        }
        Checkpoint c = Checkpoint.read(file);
        assertTrue(c.stopReason().isEmpty(), "a run that trained all its epochs may be given more");
        try (Sequential m = Synthetic.mlp(2, 4, 3, 3); Adam adam = new Adam(m.parameters(), 0.1f)) {
            float[][] before = weights(m);
            Trainer t = new Trainer(m, new CrossEntropyLoss(), adam, TrainerConfig.builder().epochs(2).build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resume(c, train, null));
            assertTrue(e.getMessage().contains("written with optimizer SGD, this trainer has Adam"), e.getMessage());
            assertArrayEquals(before[0], weights(m)[0]);
        }
        IOException notACheckpoint = assertThrows(IOException.class, () -> {
            Path plain = dir.resolve("plain.safetensors");
            dev.flint.io.SafeTensors.write(plain, Map.of(), Map.of("format", "pt"));
            Checkpoint.read(plain);
        });
        assertTrue(notACheckpoint.getMessage().contains("is not a Flint checkpoint"), notACheckpoint.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TrainerConfig.builder().checkpoint(file, Map.of("checkpoint.epoch", "1")).build());
    }

    @Test
    void resumingAFinishedRunTrainsNothingMore(@TempDir Path dir) throws IOException {
        DataLoader train = Synthetic.loader(Synthetic.blobs(30, 1), 10, false);
        Path file = dir.resolve("checkpoint.safetensors");
        float[][] trained;
        try (Sequential m = Synthetic.mlp(2, 4, 3, 3); SGD sgd = new SGD(m.parameters(), 0.1f)) {
            new Trainer(m, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(2).checkpoint(file, Map.of())
                    .build()).fit(train, null);
            trained = weights(m);
        }
        try (Sequential m = Synthetic.mlp(2, 4, 3, 7); SGD sgd = new SGD(m.parameters(), 0.1f)) {
            Trainer t = new Trainer(m, new CrossEntropyLoss(), sgd, TrainerConfig.builder().epochs(2).build());
            History h = t.resume(Checkpoint.read(file), train, null);
            assertEquals(2, h.size());
            assertFalse(t.diverged());
            assertArrayEquals(trained[2], weights(m)[2]);
        }
    }
}

package dev.flint.cli;

import static dev.flint.cli.FlintTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.cli.FlintTest.Run;
import dev.flint.data.Idx;
import dev.flint.io.HostTensor;
import dev.flint.io.SafeTensors;
import dev.flint.train.Checkpoint;
import dev.flint.train.History;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training command keeps its work: checkpoints, resume, no overwriting, clear messages. */
class TrainRunTest {
    /** A quick run: 200 images, 2 epochs, dropout and a schedule so every kind of state matters. */
    private static final String[] QUICK = {"--model", "mlp", "--train-subset", "200", "--dropout", "0.3",
        "--no-progress"};

    private static String[] args(String[] base, String... more) {
        String[] all = new String[1 + base.length + more.length];
        all[0] = "train";
        System.arraycopy(base, 0, all, 1, base.length);
        System.arraycopy(more, 0, all, 1 + base.length, more.length);
        return all;
    }

    static Map<String, HostTensor> tensors(Path file) throws IOException {
        return SafeTensors.readHost(file).tensors();
    }

    @Test
    void everyEpochLeavesACheckpointAndAHistoryLineAndTheResultComesBeforeTheFiles(@TempDir Path dir)
            throws IOException {
        Run r = run(args(QUICK, "--epochs", "3", "--lr-schedule", "cosine", "--out", dir.toString()));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        Checkpoint c = Checkpoint.read(dir.resolve("checkpoint.safetensors"));
        assertEquals(3, c.epoch());
        assertEquals(3, History.readCsv(dir.resolve("history.csv")).size());
        // The checkpoint's model is the final model.
        Map<String, HostTensor> model = tensors(dir.resolve("model.safetensors"));
        Map<String, HostTensor> inCheckpoint = new LinkedHashMap<>();
        tensors(dir.resolve("checkpoint.safetensors")).forEach((k, v) -> {
            if (k.startsWith("model.")) {
                inCheckpoint.put(k.substring("model.".length()), v);
            }
        });
        assertEquals(model, inCheckpoint);
        int accuracy = r.out().indexOf("test accuracy: ");
        assertTrue(accuracy >= 0 && accuracy < r.out().indexOf("learning curves: "), r.out());
    }

    @Test
    void aResumedRunEndsWithExactlyTheModelOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Run straight = run(args(QUICK, "--epochs", "4", "--seed", "9", "--out",
                dir.resolve("straight").toString()));
        assertEquals(0, straight.exitCode(), straight.err());
        // Two epochs, then two more: what a run stopped after epoch 2 does when resumed.
        Run first = run(args(QUICK, "--epochs", "2", "--seed", "9", "--out", dir.resolve("split").toString()));
        assertEquals(0, first.exitCode(), first.err());
        Run resumed = run("train", "--resume", dir.resolve("split").toString(), "--epochs", "4", "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming " + dir.resolve("split") + " after epoch 2 of 4"), resumed.out());
        assertEquals(tensors(dir.resolve("straight/model.safetensors")), tensors(dir.resolve("split/model.safetensors")));
        assertEquals(4, History.readCsv(dir.resolve("split/history.csv")).size());
        String last = straight.out().substring(straight.out().indexOf("test accuracy: ")).lines().findFirst().orElseThrow();
        assertTrue(resumed.out().contains(last), resumed.out() + " vs " + last);
    }

    @Test
    void resumeKeepsTheRunsOwnOptions(@TempDir Path dir) {
        Run first = run(args(QUICK, "--epochs", "1", "--out", dir.toString()));
        assertEquals(0, first.exitCode(), first.err());
        Run changed = run("train", "--resume", dir.toString(), "--lr", "0.5");
        assertEquals(2, changed.exitCode());
        assertTrue(changed.err().contains("--resume continues a run with the options it was started with; --lr "
                + "cannot be changed"), changed.err());
        Run nothing = run("train", "--resume", dir.resolve("nowhere").toString());
        assertEquals(2, nothing.exitCode());
        assertTrue(nothing.err().contains("is not a run with a checkpoint"), nothing.err());
    }

    @Test
    void outOntoAnExistingRunIsRefusedAndLeavesItUntouchedUnlessOverwrite(@TempDir Path dir) throws IOException {
        assertEquals(0, run(args(QUICK, "--epochs", "1", "--out", dir.toString())).exitCode());
        byte[] model = Files.readAllBytes(dir.resolve("model.safetensors"));
        Run again = run(args(QUICK, "--epochs", "1", "--seed", "10", "--out", dir.toString()));
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already holds files") && again.err().contains("--overwrite"), again.err());
        assertEquals(-1L, Files.mismatch(dir.resolve("model.safetensors"), Files.write(dir.resolveSibling(
                dir.getFileName() + "-copy"), model)));
        Run replaced = run(args(QUICK, "--epochs", "1", "--seed", "10", "--out", dir.toString(), "--overwrite"));
        assertEquals(0, replaced.exitCode(), replaced.err());
        assertEquals("10", SafeTensors.readMetadata(dir.resolve("model.safetensors")).get("flint.seed"));
    }

    @Test
    void outNamingAFileOrAPlaceThatCannotBeCreatedSaysSo(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("results.txt"), "x");
        Run onFile = run(args(QUICK, "--out", file.toString()));
        assertEquals(2, onFile.exitCode());
        assertTrue(onFile.err().contains("--out: " + file + " is a file, expected a folder"), onFile.err());
        Run under = run(args(QUICK, "--out", file.resolve("run").toString()));
        assertEquals(1, under.exitCode());
        assertTrue(under.err().contains("--out: cannot create the folder " + file.resolve("run") + ": "), under.err());
    }

    @Test
    void aChartThatCannotBeWrittenIsNamedAfterTheResultAndTheModelAreSafe(@TempDir Path dir) throws IOException {
        // A folder where the chart's temporary file must go: the PNG cannot be written.
        Files.createDirectories(dir.resolve("learning-curves.png.tmp/blocker"));
        Run r = run(args(QUICK, "--epochs", "1", "--out", dir.toString(), "--overwrite"));
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("test accuracy: ") && r.out().contains("model: " + dir.resolve("model.safetensors")),
                r.out());
        assertTrue(r.err().contains("cannot write the learning curves " + dir.resolve("learning-curves.png") + ": "),
                r.err());
        assertTrue(Files.notExists(dir.resolve("learning-curves.png")), "no partial chart");
        assertEquals(1, Checkpoint.read(dir.resolve("checkpoint.safetensors")).epoch());
    }

    @Test
    void aTrainSubsetLargerThanTheDataSaysHowManyThereAre(@TempDir Path dir) {
        Run r = run("train", "--train-subset", "100000", "--no-progress", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--train-subset 100,000 is more than the 9,000 training images after holding out "
                + "1,000 for validation; give at most 9000"), r.err());
    }

    @Test
    void imagesOfAnotherSizeAreRejectedBeforeTraining(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("small"));
        writeIdx(data, "train", 40, 8);
        writeIdx(data, "t10k", 10, 8);
        Run r = run("train", "--data", data.toString(), "--no-progress", "--out", dir.resolve("run").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--data " + data + ": the training images are 8x8 pixels, but the models take "
                + "28x28-pixel single-channel MNIST images"), r.err());
    }

    private static void writeIdx(Path dir, String part, int count, int side) throws IOException {
        byte[] pixels = new byte[count * side * side];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % 10);
        }
        try (OutputStream o = Files.newOutputStream(dir.resolve(part + "-images-idx3-ubyte"))) {
            Idx.writeImages(o, new Idx.Images(count, side, side, pixels));
        }
        try (OutputStream o = Files.newOutputStream(dir.resolve(part + "-labels-idx1-ubyte"))) {
            Idx.writeLabels(o, labels);
        }
    }

    @Test
    void evalWarnsAboutAModelWithNonFiniteWeights(@TempDir Path dir) throws IOException {
        assertEquals(0, run(args(QUICK, "--epochs", "1", "--out", dir.toString())).exitCode());
        Path model = dir.resolve("model.safetensors");
        SafeTensors.Contents c = SafeTensors.readHost(model);
        Map<String, HostTensor> broken = new LinkedHashMap<>(c.tensors());
        HostTensor w = broken.get("1.weight");
        float[] values = w.floats().clone();
        values[0] = Float.NaN;
        values[5] = Float.POSITIVE_INFINITY;
        broken.put("1.weight", HostTensor.ofFloats(w.shape(), values));
        Path bad = dir.resolve("nan.safetensors");
        SafeTensors.writeHost(bad, broken, c.metadata());
        Run r = run("eval", "--model-file", bad.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: " + bad + " has 2 non-finite weights (NaN or infinite) in 1.weight"),
                r.err());
        Run clean = run("eval", "--model-file", model.toString());
        assertTrue(!clean.err().contains("warning"), clean.err());
    }

    @Test
    void theBackendPropertyIsHonouredAsTheLibraryHonoursIt(@TempDir Path dir) {
        String before = System.getProperty("flint.backend");
        try {
            System.setProperty("flint.backend", "tpu");
            Run r = run(args(QUICK, "--epochs", "1", "--out", dir.toString()));
            assertEquals(1, r.exitCode(), r.out());
            assertTrue(r.err().contains("backend 'tpu' unavailable: no such backend on the class path")
                    && r.err().contains("(named by -Dflint.backend=tpu)"), r.err());
            assertTrue(!r.out().contains("backend: cpu"), "must not train on another backend: " + r.out());
            System.setProperty("flint.backend", "cpu");
            Run info = run("info");
            assertTrue(info.out().contains("chosen (cpu): cpu"), info.out());
            // The option still wins over the configuration.
            System.setProperty("flint.backend", "tpu");
            assertEquals(0, run("info", "--backend", "cpu").exitCode());
        } finally {
            if (before == null) {
                System.clearProperty("flint.backend");
            } else {
                System.setProperty("flint.backend", before);
            }
        }
    }

    @Test
    void aRunWhoseLossBecomesNanFailsAndKeepsTheBestFiniteModel(@TempDir Path dir) throws IOException {
        // Plain SGD at rate 1 on 500 images: a finite first epoch, then the loss explodes and overflows.
        Run r = run("train", "--optimizer", "sgd", "--lr", "1", "--epochs", "8", "--train-subset", "500",
                "--no-progress", "--out", dir.toString());
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("training loss became NaN") || r.err().contains("training loss became Infinity"),
                r.err());
        History h = History.readCsv(dir.resolve("history.csv"));
        int diverged = h.size();
        assertTrue(diverged >= 2 && !Double.isFinite(h.last().orElseThrow().trainLoss()), h.toCsv());
        Checkpoint c = Checkpoint.read(dir.resolve("checkpoint.safetensors"));
        assertEquals(diverged - 1, c.epoch(), "the checkpoint is the last finite epoch's");
        int best = h.best().orElseThrow().epoch();
        assertTrue(r.err().contains("kept the model of epoch " + best + ", the best validation loss"), r.err());
        assertEquals(Integer.toString(best), SafeTensors.readMetadata(dir.resolve("model.safetensors")).get("flint.epoch"));
        for (HostTensor t : tensors(dir.resolve("model.safetensors")).values()) {
            for (float v : t.floats()) {
                assertTrue(Float.isFinite(v), "the kept model has a weight " + v);
            }
        }
        assertTrue(!r.out().contains("test accuracy"), "no result for a diverged run: " + r.out());
    }
}

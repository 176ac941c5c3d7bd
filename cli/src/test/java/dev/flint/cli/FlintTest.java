package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.flint.backend.Availability;
import dev.flint.backend.BackendProvider;
import dev.flint.backend.Backends;
import dev.flint.io.SafeTensors;
import dev.flint.train.History;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FlintTest {

    /** What one run of the command printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = Flint.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void parsesEveryTrainOption() {
        CommandLine cl = Flint.commandLine();
        CommandLine.ParseResult pr = cl.parseArgs("train", "--model", "cnn", "--data", "/tmp/mnist", "--backend", "cpu",
                "--epochs", "3", "--batch-size", "32", "--lr", "0.01", "--optimizer", "momentum", "--momentum", "0.8",
                "--nesterov", "--weight-decay", "5e-4", "--dropout", "0.25", "--l2", "1e-4", "--l1", "1e-5",
                "--grad-clip", "5", "--lr-schedule", "cosine", "--train-subset", "500",
                "--seed", "7", "--out", "runs/x", "--overwrite", "--patience", "2", "--no-progress");
        TrainCommand t = pr.subcommand().commandSpec().commandLine().getCommand();
        assertEquals("cnn", t.model);
        assertEquals("/tmp/mnist", t.data);
        assertEquals("cpu", t.backend);
        assertEquals(3, t.epochs);
        assertEquals(32, t.batchSize);
        assertEquals(0.01f, t.lr);
        assertEquals("momentum", t.optimizer);
        assertEquals(0.8f, t.momentum);
        assertTrue(t.nesterov);
        assertEquals(5e-4f, t.weightDecay);
        assertEquals(0.25f, t.dropout);
        assertEquals(1e-4f, t.l2);
        assertEquals(1e-5f, t.l1);
        assertEquals(5f, t.gradClip);
        assertEquals("cosine", t.lrSchedule);
        assertEquals(500, t.trainSubset);
        assertEquals(7L, t.seed);
        assertEquals(Path.of("runs/x"), t.out);
        assertTrue(t.overwrite);
        assertEquals(2, t.patience);
        assertFalse(t.progress);
    }

    @Test
    void trainDefaultsAreTheFirstRunsSettings() {
        CommandLine cl = Flint.commandLine();
        TrainCommand t = cl.parseArgs("train").subcommand().commandSpec().commandLine().getCommand();
        assertEquals("mlp", t.model);
        assertEquals("embedded", t.data);
        assertNull(t.backend, "no option: -Dflint.backend, FLINT_BACKEND or auto decide, as in the library");
        assertEquals("adam", t.optimizer);
        assertNull(t.lr);
        assertNull(t.out);
        assertTrue(t.progress);
    }

    @Test
    void helpOfEachCommandListsItsOptions() {
        Run train = run("train", "--help");
        assertEquals(0, train.exitCode());
        assertTrue(train.out().contains("Usage: flint train") && train.out().contains("--train-subset"), train.out());
        assertTrue(run("eval", "--help").out().contains("--model-file"));
        assertTrue(run("info", "--help").out().contains("Usage: flint info"));
        assertTrue(run("--help").out().contains("train"));
    }

    @Test
    void anUnknownModelIsRejectedWithTheUsageAndExitCodeTwo() {
        Run r = run("train", "--model", "resnet");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown model 'resnet', expected one of linear, mlp, cnn"), r.err());
        assertTrue(r.err().contains("Usage: flint train"), r.err());
    }

    @Test
    void negativeEpochsAreRejectedWithTheUsageAndExitCodeTwo() {
        Run r = run("train", "--epochs", "-3");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--epochs must be at least 1, got -3"), r.err());
        assertTrue(r.err().contains("Usage: flint train"), r.err());
    }

    @Test
    void malformedNumbersAndUnknownOptionsAreRejected() {
        Run notANumber = run("train", "--lr", "fast");
        assertEquals(2, notANumber.exitCode());
        assertTrue(notANumber.err().contains("--lr"), notANumber.err());
        Run unknown = run("train", "--learning-rate", "0.1");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("--learning-rate"), unknown.err());
        assertEquals(2, run("train", "--dropout", "1.5").exitCode());
        assertEquals(2, run("train", "--optimizer", "rmsprop").exitCode());
        assertEquals(2, run("train", "--lr-schedule", "exponential").exitCode());
        assertEquals(2, run("train", "--grad-clip", "-1").exitCode());
        assertEquals(2, run("eval").exitCode());
        assertEquals(2, run().exitCode());
    }

    @Test
    void aMissingDataFolderIsARunTimeErrorWithItsName(@TempDir Path dir) {
        Run r = run("train", "--data", dir.resolve("nowhere").toString(), "--epochs", "1", "--no-progress",
                "--out", dir.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("nowhere"), r.err());
    }

    @Test
    void oneEpochOnAnEmbeddedSubsetWritesTheThreeFilesAndEvalReadsTheModel(@TempDir Path dir) throws Exception {
        Run r = run("train", "--epochs", "1", "--train-subset", "200", "--lr-schedule", "step", "--grad-clip", "10",
                "--no-progress", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        Path csv = dir.resolve("history.csv");
        Path png = dir.resolve("learning-curves.png");
        Path model = dir.resolve("model.safetensors");
        assertTrue(r.out().contains("test accuracy: ") && r.out().contains(png.toString())
                && r.out().contains(model.toString()), r.out());
        assertEquals(1, History.readCsv(csv).size());
        byte[] header = Files.readAllBytes(png);
        assertTrue(header.length > 1000 && header[1] == 'P' && header[2] == 'N' && header[3] == 'G');
        Map<String, String> meta = SafeTensors.readMetadata(model);
        assertEquals("mlp", meta.get(EvalCommand.MODEL_KEY));

        Run eval = run("eval", "--model-file", model.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        // The same weights on the same test images: the accuracy eval prints is the one train printed.
        String trained = r.out().substring(r.out().indexOf("test accuracy: ")).lines().findFirst().orElseThrow();
        assertTrue(eval.out().contains(trained), eval.out() + " vs " + trained);

        Run wrongModel = run("eval", "--model-file", model.toString(), "--model", "cnn");
        assertEquals(1, wrongModel.exitCode());
        assertTrue(wrongModel.err().contains("does not hold a 'cnn' model"), wrongModel.err());
    }

    @Test
    void theSameSeedTrainsTheSameModelBitForBit(@TempDir Path dir) throws Exception {
        for (String run : new String[] {"a", "b"}) {
            Run r = run("train", "--model", "mlp", "--epochs", "2", "--train-subset", "100", "--dropout", "0.3",
                    "--seed", "5", "--no-progress", "--out", dir.resolve(run).toString());
            assertEquals(0, r.exitCode(), r.err());
        }
        assertEquals(-1L, Files.mismatch(dir.resolve("a/model.safetensors"), dir.resolve("b/model.safetensors")));
    }

    @Test
    void aNamedBackendThatCannotRunIsAnErrorSayingWhyNeverASubstitute() {
        Availability cuda = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
                .map(BackendProvider::probe).orElse(Availability.unusable("not on the class path"));
        assumeFalse(cuda.usable(), "this machine has a usable GPU");
        Run r = run("info", "--backend", "cuda");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("backend 'cuda' unavailable"), r.err());
    }

    @Test
    void infoReportsTheBackendsAndTheChosenOne() {
        Run r = run("info", "--backend", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Flint backends") && r.out().contains("chosen (cpu): cpu"), r.out());
    }

    @Test
    void sparkWithoutTheSparkModuleSaysHowToRunIt(@TempDir Path out) {
        Run r = run("train", "--spark", "local[2]", "--epochs", "1", "--out", out.toString(), "--no-progress");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("--spark needs the flint-spark module and Apache Spark on the class path"), r.err());
        assertTrue(r.err().contains("spark-submit --master local[2] spark/target/flint-spark.jar"), r.err());
        assertFalse(Files.exists(out.resolve("model.safetensors")), "nothing trained");
    }
}

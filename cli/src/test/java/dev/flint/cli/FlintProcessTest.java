package dev.flint.cli;

import static dev.flint.cli.FlintTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.cli.FlintTest.Run;
import dev.flint.train.Checkpoint;
import dev.flint.train.History;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command in a JVM of its own, for what one process cannot show about itself: a SIGTERM in the
 * middle of a run, the environment variable FLINT_BACKEND, a small heap. The child runs the same main
 * class on this test's class path with the same JVM options as the tests (the Vector API on), so its
 * numbers are this JVM's numbers.
 */
class FlintProcessTest {

    /** A child {@code flint} with {@code env} added and {@code jvm} options; output goes to files in {@code dir}. */
    private static Process start(Path dir, Map<String, String> env, List<String> jvm, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--add-modules");
        command.add("jdk.incubator.vector");
        command.addAll(jvm);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Flint.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().remove("FLINT_BACKEND");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String err(Path dir) throws IOException {
        return Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
    }

    @Test
    void aRunKilledBySigtermResumesToExactlyTheModelOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
        String[] options = {"--train-subset", "200", "--dropout", "0.2", "--epochs", "12", "--lr-schedule", "step",
            "--seed", "3", "--no-progress"};
        Path killed = dir.resolve("killed");
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(List.of(options));
        args.addAll(List.of("--out", killed.toString()));
        Process p = start(dir, Map.of(), List.of(), args.toArray(new String[0]));
        Path history = killed.resolve("history.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (epochsIn(history) < 3 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run ended before it could be stopped: " + err(dir));
        int seen = epochsIn(history);
        p.destroy();   // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not stop");
        assertEquals(143, p.exitValue(), "exit status of a JVM ended by SIGTERM");
        Checkpoint c = Checkpoint.read(killed.resolve("checkpoint.safetensors"));
        assertTrue(c.epoch() >= seen && c.epoch() < 12, "checkpoint of epoch " + c.epoch() + ", history had " + seen);
        assertTrue(err(dir).contains("the checkpoint of epoch ") && err(dir).contains("--resume " + killed),
                err(dir));

        Run resumed = run("train", "--resume", killed.toString());
        assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
        List<String> straightArgs = new ArrayList<>(List.of("train"));
        straightArgs.addAll(List.of(options));
        straightArgs.addAll(List.of("--out", dir.resolve("straight").toString()));
        Run straight = run(straightArgs.toArray(new String[0]));
        assertEquals(0, straight.exitCode(), straight.err());
        assertEquals(TrainRunTest.tensors(dir.resolve("straight/model.safetensors")),
                TrainRunTest.tensors(killed.resolve("model.safetensors")), "resumed after epoch " + c.epoch());
        assertEquals(12, History.readCsv(history).size());
    }

    private static int epochsIn(Path history) {
        try {
            return Files.exists(history) ? (int) Files.readAllLines(history).stream().skip(1).filter(l -> !l.isBlank())
                    .count() : 0;
        } catch (IOException racingTheWriter) {
            return 0;
        }
    }

    @Test
    void theEnvironmentVariableNamesTheBackendOfTrainAndInfo(@TempDir Path dir) throws Exception {
        Process train = start(dir, Map.of("FLINT_BACKEND", "tpu"), List.of(), "train", "--epochs", "1",
                "--no-progress", "--out", dir.resolve("run").toString());
        assertTrue(train.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, train.exitValue(), err(dir));
        assertTrue(err(dir).contains("backend 'tpu' unavailable: no such backend on the class path")
                && err(dir).contains("(named by the environment variable FLINT_BACKEND=tpu)"), err(dir));
        assertTrue(Files.notExists(dir.resolve("run/history.csv")), "nothing trained");

        Process info = start(dir, Map.of("FLINT_BACKEND", "cpu"), List.of(), "info");
        assertTrue(info.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, info.exitValue(), err(dir));
        assertTrue(Files.readString(dir.resolve("out.txt")).contains("chosen (cpu): cpu"));
    }

    @Test
    void runningOutOfHeapSaysWhatWasNeededAndHowToGiveMore(@TempDir Path dir) throws Exception {
        Process p = start(dir, Map.of(), List.of("-Xmx64m"), "train", "--model", "cnn", "--batch-size", "9000",
                "--epochs", "1", "--no-progress", "--out", dir.resolve("run").toString());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err(dir));
        String e = err(dir);
        assertTrue(e.contains("flint: out of memory (Java heap) while training (cnn, batch size 9000), which needs "
                + "about ") && e.contains("this JVM may use at most ") && e.contains("FLINT_JAVA_OPTS=-Xmx"), e);
        assertTrue(!e.contains("\tat "), "no stack trace: " + e);
    }
}

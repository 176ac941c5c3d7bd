package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.io.SafeTensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GptCommandTest {
    private static final String TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n".repeat(30);

    private static FlintTest.Run run(String... args) {
        return FlintTest.run(args);
    }

    @Test
    void defaultsAreNanoGptsCpuConfiguration() {
        CommandLine.ParseResult pr = Flint.commandLine().parseArgs("gpt", "train");
        GptTrainCommand t = pr.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertEquals(List.of(4, 4, 128, 64, 12, 2000), List.of(t.layers, t.heads, t.embed, t.context, t.batchSize,
                t.iterations));
        assertEquals(1e-3f, t.lr);
        assertEquals(1e-4f, t.minLr);
        assertEquals(100, t.warmup);
        assertEquals(0.1f, t.weightDecay);
        assertEquals(0.99f, t.beta2);
        assertEquals(1f, t.gradClip);
        assertEquals(0f, t.dropout);
        assertEquals("embedded", t.text);
    }

    @Test
    void trainsWritesItsFilesAndSampleReadsTheModel(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("cats.txt");
        Files.writeString(text, TEXT, StandardCharsets.UTF_8);
        Path out = dir.resolve("run");
        FlintTest.Run r = run("gpt", "train", "--text", text.toString(), "--iters", "30", "--layers", "1", "--heads", "2",
                "--embed", "16", "--context", "8", "--batch-size", "8", "--eval-interval", "10", "--eval-windows", "16",
                "--lr", "1e-2", "--warmup", "3", "--backend", "cpu", "--out", out.toString(), "--no-progress",
                "--sample-chars", "40");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("vocabulary of 15"), r.out());
        assertTrue(r.out().contains("step 10: train loss") && r.out().contains("step 30: train loss"), r.out());
        assertTrue(r.out().contains("sample:"), r.out());
        for (String f : List.of("gpt.safetensors", "loss.png", "history.csv")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(out.resolve("history.csv"));
        assertEquals("iteration,train_loss,val_loss,lr,seconds", csv.get(0));
        assertEquals(5, csv.size());   // evaluations at 0, 10, 20, 30
        Map<String, String> meta = SafeTensors.readMetadata(out.resolve("gpt.safetensors"));
        assertEquals("gpt", meta.get("flint.model"));
        assertEquals("\n .acdeghlmnost", meta.get("gpt.vocabulary"));
        assertEquals("30", meta.get("gpt.iterations"));

        FlintTest.Run s = run("gpt", "sample", "--model", out.toString(), "--prompt", "the ", "--chars", "25",
                "--backend", "cpu");
        assertEquals(0, s.exitCode(), s.err());
        assertTrue(s.out().startsWith("the "), s.out());
        assertEquals("the ".length() + 25 + 1, s.out().replace("\r\n", "\n").length(), s.out());
        FlintTest.Run again = run("gpt", "sample", "--model", out.resolve("gpt.safetensors").toString(), "--prompt",
                "the ", "--chars", "25", "--backend", "cpu");
        assertEquals(s.out(), again.out(), "the same seed gives the same text");

        FlintTest.Run unknown = run("gpt", "sample", "--model", out.toString(), "--prompt", "the zebra",
                "--backend", "cpu");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("'z' (U+007A) at position 4"), unknown.err());

        // Given offsets: every step trains on the window at offset 0 of the training text.
        Path offsets = dir.resolve("offsets.bin");
        Files.write(offsets, new byte[4 * 8 * 3]);
        FlintTest.Run fixed = run("gpt", "train", "--text", text.toString(), "--iters", "3", "--layers", "1", "--heads",
                "1", "--embed", "8", "--context", "8", "--batch-size", "8", "--train-offsets", offsets.toString(),
                "--out", dir.resolve("fixed").toString(), "--no-progress", "--sample-chars", "0", "--backend", "cpu");
        assertEquals(0, fixed.exitCode(), fixed.err());
        assertTrue(Files.readString(dir.resolve("fixed").resolve("result.json")).contains("\"iters\": 3"));
        FlintTest.Run tooFew = run("gpt", "train", "--text", text.toString(), "--iters", "4", "--layers", "1", "--heads",
                "1", "--embed", "8", "--context", "8", "--batch-size", "8", "--train-offsets", offsets.toString(),
                "--out", dir.resolve("fewer").toString(), "--no-progress", "--backend", "cpu");
        assertEquals(1, tooFew.exitCode());
        assertTrue(tooFew.err().contains("holds 24 offsets") && tooFew.err().contains("need 32"), tooFew.err());

        FlintTest.Run clash = run("gpt", "train", "--text", text.toString(), "--iters", "1", "--out", out.toString(),
                "--no-progress", "--backend", "cpu");
        assertEquals(1, clash.exitCode());
        assertTrue(clash.err().contains("--overwrite"), clash.err());
    }

    @Test
    void badOptionsAreRejectedWithExitCodeTwo() {
        assertEquals(2, run("gpt", "train", "--embed", "130", "--heads", "4").exitCode());
        assertEquals(2, run("gpt", "train", "--text", "no/such/file.txt").exitCode());
        assertEquals(2, run("gpt", "train", "--min-lr", "1").exitCode());
        assertEquals(2, run("gpt", "sample").exitCode());
        assertEquals(2, run("gpt", "sample", "--model", "x", "--temperature", "0").exitCode());
        assertEquals(2, run("gpt").exitCode());
        FlintTest.Run missing = run("gpt", "sample", "--model", "no/such/run");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }
}

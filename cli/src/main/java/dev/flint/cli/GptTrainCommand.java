package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.data.text.CharTokenizer;
import dev.flint.data.text.TextCorpus;
import dev.flint.data.text.TokenWindows;
import dev.flint.nn.gpt.Gpt;
import dev.flint.nn.gpt.GptConfig;
import dev.flint.nn.gpt.Sampler;
import dev.flint.optim.AdamW;
import dev.flint.optim.ParamGroup;
import dev.flint.optim.WarmupCosineLR;
import dev.flint.tensor.Rng;
import dev.flint.train.LanguageModelTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flint gpt train}: trains a character-level GPT as nanoGPT trains its Shakespeare model on a CPU
 * (4 layers, 4 heads, 128 wide, context 64, batch 12, AdamW 1e-3 with betas (0.9, 0.99), weight decay
 * 0.1 on matrices only, 100 warm-up steps then cosine decay to 1e-4, clipping at norm 1, no dropout) on
 * the embedded King James Bible or a text file, and writes {@code gpt.safetensors} (weights, config,
 * vocabulary), {@code loss.png} and {@code history.csv} into the run folder.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a character-level GPT; write gpt.safetensors, loss.png and history.csv.")
final class GptTrainCommand implements Callable<Integer> {
    static final String EMBEDDED = "embedded";
    static final String CHECKPOINT = "gpt.safetensors";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--text", defaultValue = EMBEDDED, paramLabel = "embedded|FILE",
            description = "The text to learn: 'embedded' (the King James Bible, 4.2 MB, public domain) or a UTF-8 "
                    + "file (.gz allowed). Default: ${DEFAULT-VALUE}.")
    String text;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Where to compute. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--iters", defaultValue = "2000", description = "Optimizer steps. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--batch-size", defaultValue = "12", description = "Windows per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--context", defaultValue = "64", description = "Characters per window (block size). "
            + "Default: ${DEFAULT-VALUE}.")
    int context;

    @Option(names = "--layers", defaultValue = "4", description = "Transformer blocks. Default: ${DEFAULT-VALUE}.")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads. Default: ${DEFAULT-VALUE}.")
    int heads;

    @Option(names = "--embed", defaultValue = "128", description = "Embedding width. Default: ${DEFAULT-VALUE}.")
    int embed;

    @Option(names = "--dropout", defaultValue = "0", description = "Dropout in training. Default: ${DEFAULT-VALUE}.")
    float dropout;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(names = "--min-lr", defaultValue = "1e-4", description = "Learning rate at the end of the cosine decay. "
            + "Default: ${DEFAULT-VALUE}.")
    float minLr;

    @Option(names = "--warmup", defaultValue = "100", description = "Linear warm-up steps. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1",
            description = "AdamW weight decay of matrices (none on biases and norms). Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--beta2", defaultValue = "0.99", description = "AdamW's beta2. Default: ${DEFAULT-VALUE}.")
    float beta2;

    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step. "
            + "Default: ${DEFAULT-VALUE}.")
    int gradAccumulation;

    @Option(names = "--grad-clip", defaultValue = "1", paramLabel = "MAX_NORM",
            description = "Clip the global gradient norm (0: off). Default: ${DEFAULT-VALUE}.")
    float gradClip;

    @Option(names = "--eval-interval", defaultValue = "250",
            description = "Steps between evaluations of both splits. Default: ${DEFAULT-VALUE}.")
    int evalInterval;

    @Option(names = "--eval-windows", defaultValue = "240",
            description = "Windows of each split an evaluation averages over. Default: ${DEFAULT-VALUE}.")
    int evalWindows;

    @Option(names = "--seed", defaultValue = "1337", description = "Seed of weights and batches. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--sample-chars", defaultValue = "300",
            description = "Characters to generate after training (0: none). Default: ${DEFAULT-VALUE}.")
    int sampleChars;

    @Option(names = "--train-offsets", paramLabel = "FILE",
            description = "Train on the windows at these offsets instead of random ones: int32 little-endian, "
                    + "iters x grad-accum x batch-size values (benchmarks/gpt/make_offsets.py writes them), so that "
                    + "another framework can train on the same batches.")
    Path trainOffsets;

    @Option(names = "--out", paramLabel = "FOLDER", description = "Output folder. Default: runs/gpt-<timestamp>.")
    Path out;

    @Option(names = "--overwrite", description = "Replace a checkpoint already in --out.")
    boolean overwrite;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Draw a progress bar (--no-progress for logs). Default: ${DEFAULT-VALUE}.")
    boolean progress;

    @Override
    public Integer call() throws IOException {
        validate();
        PrintWriter console = spec.commandLine().getOut();
        Path folder = out != null ? out
                : Path.of("runs", "gpt-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path checkpoint = folder.resolve(CHECKPOINT);
        if (Files.exists(checkpoint) && !overwrite) {
            throw new IllegalStateException(checkpoint + " exists; choose another --out or pass --overwrite");
        }
        Backend device = BackendChoice.resolve(backend);
        String corpus = text.equals(EMBEDDED) ? TextCorpus.kingJamesBible() : TextCorpus.read(Path.of(text));
        CharTokenizer tokenizer = CharTokenizer.fit(corpus);
        TokenWindows.Split split = TokenWindows.split(tokenizer.encode(corpus), context, 0.9);
        console.printf("text: %s, %,d characters, vocabulary of %d; training on the first %,d, validating on the "
                        + "last %,d%n", text.equals(EMBEDDED) ? "the King James Bible (embedded)" : text, corpus.length(),
                tokenizer.vocabSize(), split.train().tokenCount(), split.validation().tokenCount());
        console.printf("backend: %s (%s)%n", device.name(), device.deviceDescription());
        Files.createDirectories(folder);

        GptConfig config = new GptConfig(tokenizer.vocabSize(), context, layers, heads, embed, dropout);
        try (Gpt gpt = new Gpt(config, new Rng(seed), device);
             AdamW opt = new AdamW(ParamGroup.decayMatricesOnly(gpt.parameters(), weightDecay), lr, 0.9f, beta2, 1e-8f,
                     weightDecay)) {
            console.printf(Locale.ROOT, "model: GPT, %d layers, %d heads, %d wide, context %d: %,d parameters; %d steps "
                            + "of %d x %d characters%n", layers, heads, embed, context, gpt.parameterCount(), iterations,
                    batchSize * gradAccumulation, context);
            console.flush();
            WarmupCosineLR schedule = new WarmupCosineLR(opt, Math.min(warmup, iterations - 1), iterations, minLr);
            LanguageModelTrainer.Config cfg = LanguageModelTrainer.Config.builder().iterations(iterations)
                    .batchSize(batchSize).gradAccumulation(gradAccumulation).gradClipNorm(gradClip)
                    .evalInterval(evalInterval).evalWindows(evalWindows).seed(seed)
                    .listener(new GptProgress(console, progress)).build();
            LanguageModelTrainer trainer = new LanguageModelTrainer(gpt, opt, schedule, cfg);
            LanguageModelTrainer.Result result;
            if (trainOffsets != null) {
                int[] offsets = readOffsets(trainOffsets, iterations * gradAccumulation * batchSize);
                result = trainer.fit((it, micro) -> split.train().batch(offsets,
                        (it * gradAccumulation + micro) * batchSize, batchSize, device), split, device);
            } else {
                result = trainer.fit(split, device);
            }

            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("gpt.text", text);
            meta.put("gpt.iterations", Integer.toString(result.losses().length));
            meta.put("gpt.seed", Long.toString(seed));
            meta.put("gpt.val_loss", String.format(Locale.ROOT, "%.4f", result.last().validationLoss()));
            // The model first: it cost the most to make, and a failing chart must not lose it.
            GptCheckpoint.save(checkpoint, gpt, tokenizer, meta);
            Path csv = folder.resolve("history.csv");
            writeCsv(result, csv);
            writeJson(result, folder.resolve("result.json"));
            Path chart = folder.resolve("loss.png");
            GptLossChart.writePng(result, "GPT on " + (text.equals(EMBEDDED) ? "the King James Bible" : text), chart);

            console.printf(Locale.ROOT, "validation loss: %.4f after %d steps (train %.4f); median step %.1f ms, "
                            + "%,.0f tokens/s%n", result.last().validationLoss(), result.losses().length,
                    result.last().trainLoss(), 1e3 * result.medianStepSeconds(),
                    batchSize * gradAccumulation * context / result.medianStepSeconds());
            if (sampleChars > 0) {
                int[] prompt = tokenizer.encode("\n");
                int[] generated = gpt.generate(prompt, sampleChars, new Sampler(0.8f, 200, new Rng(seed)));
                console.println("sample:");
                console.println(tokenizer.decode(generated));
            }
            console.printf("model: %s%n", checkpoint);
            console.printf("loss chart: %s%n", chart);
            console.printf("history: %s%n", csv);
            console.flush();
        }
        return 0;
    }

    /** The figures a comparison reads back: final losses, median step time, throughput. */
    private void writeJson(LanguageModelTrainer.Result result, Path file) throws IOException {
        double median = result.medianStepSeconds();
        Files.writeString(file, String.format(Locale.ROOT, "{\"framework\": \"flint\", \"seed\": %d, \"iters\": %d, "
                        + "\"val_loss\": %.5f, \"train_loss\": %.5f, \"median_step_ms\": %.3f, \"tokens_per_s\": %.1f}%n",
                seed, result.losses().length, result.last().validationLoss(), result.last().trainLoss(), 1e3 * median,
                batchSize * gradAccumulation * context / median), StandardCharsets.UTF_8);
    }

    private int[] readOffsets(Path file, int count) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 4L * count) {
            throw new IllegalStateException("--train-offsets: " + file + " holds " + bytes.length / 4 + " offsets, "
                    + iterations + " iterations of " + gradAccumulation + " x " + batchSize + " windows need " + count);
        }
        int[] offsets = new int[count];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(offsets);
        return offsets;   // TokenWindows.batch checks each against the training text
    }

    private static void writeCsv(LanguageModelTrainer.Result result, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("iteration,train_loss,val_loss,lr,seconds\n");
            for (LanguageModelTrainer.Evaluation e : result.evaluations()) {
                w.write(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6g,%.1f%n", e.iteration(), e.trainLoss(),
                        e.validationLoss(), e.lr(), e.seconds()));
            }
        }
    }

    /** Rejects bad values before any work, with picocli's usage text and exit code 2. */
    private void validate() {
        OptionChecks.requireKnownBackend(spec, backend);
        require(text.equals(EMBEDDED) || Files.isRegularFile(Path.of(text)),
                "--text: '" + text + "' is neither 'embedded' nor a readable file");
        require(iterations >= 1, "--iters must be at least 1, got " + iterations);
        require(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        require(context >= 1, "--context must be at least 1, got " + context);
        require(layers >= 1 && heads >= 1 && embed >= 1, "--layers, --heads and --embed must be at least 1");
        require(embed % heads == 0, "--embed " + embed + " must be a multiple of --heads " + heads);
        require(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
        require(lr > 0 && Float.isFinite(lr), "--lr must be a positive number, got " + lr);
        require(minLr >= 0 && minLr <= lr, "--min-lr must be in [0, --lr], got " + minLr);
        require(warmup >= 0, "--warmup must be at least 0, got " + warmup);
        require(weightDecay >= 0, "--weight-decay must be at least 0, got " + weightDecay);
        require(beta2 >= 0 && beta2 < 1, "--beta2 must be in [0, 1), got " + beta2);
        require(gradAccumulation >= 1, "--grad-accum must be at least 1, got " + gradAccumulation);
        require(gradClip >= 0, "--grad-clip must be at least 0, got " + gradClip);
        require(evalInterval >= 0, "--eval-interval must be at least 0, got " + evalInterval);
        require(evalWindows >= 1, "--eval-windows must be at least 1, got " + evalWindows);
        require(sampleChars >= 0, "--sample-chars must be at least 0, got " + sampleChars);
    }

    private void require(boolean ok, String message) {
        OptionChecks.require(spec, ok, message);
    }
}

package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.data.DataLoader;
import dev.flint.data.Dataset;
import dev.flint.data.Datasets;
import dev.flint.data.Mnist;
import dev.flint.io.SafeTensors;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.optim.AdamW;
import dev.flint.optim.CosineAnnealingLR;
import dev.flint.optim.LrScheduler;
import dev.flint.optim.Optimizer;
import dev.flint.optim.SGD;
import dev.flint.optim.StepLR;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Tensor;
import dev.flint.train.EarlyStopping;
import dev.flint.train.History;
import dev.flint.train.Metrics;
import dev.flint.train.Trainer;
import dev.flint.train.TrainerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flint train}: trains one of the three models on MNIST (the embedded subset or a folder of the
 * full data), holding out part of the training set for validation, then reports the test accuracy and
 * writes {@code history.csv}, {@code learning-curves.png} and {@code model.safetensors} into the output
 * folder.
 *
 * <pre>
 *   flint train                                            # MLP, embedded data, best backend
 *   flint train --model cnn --data ../shared/data/mnist --epochs 10 --optimizer momentum --lr 0.05
 *   flint train --train-subset 500 --epochs 60             # overfitting: train acc ~100%, val far below
 *   flint train --train-subset 500 --epochs 60 --l2 1e-3 --dropout 0.5    # the gap shrinks
 * </pre>
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model on MNIST; write history.csv, learning-curves.png and model.safetensors.")
final class TrainCommand implements Callable<Integer> {
    static final List<String> OPTIMIZERS = List.of("sgd", "momentum", "adam", "adamw");
    static final List<String> SCHEDULES = List.of("none", "step", "cosine");

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "mlp", paramLabel = "linear|mlp|cnn",
            description = "Network: linear (softmax regression), mlp (784-256-128-10) or cnn (LeNet). "
                    + "Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--data", defaultValue = DataSource.EMBEDDED, paramLabel = "embedded|FOLDER",
            description = "'embedded' (10,000-image MNIST subset in the jar) or a folder with the four MNIST files. "
                    + "Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Where to compute; auto picks CUDA when usable, else the CPU. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs to train (at most). Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Samples per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "sgd|momentum|adam|adamw",
            description = "Update rule (PyTorch's). Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate. Default: 0.1 for sgd, 0.05 for momentum, 0.001 for adam "
            + "and adamw.")
    Float lr;

    @Option(names = "--momentum", defaultValue = "0.9",
            description = "Momentum of the 'momentum' optimizer (also applied to 'sgd' when given). "
                    + "Default: ${DEFAULT-VALUE}.")
    float momentum;

    @Option(names = "--nesterov", description = "Nesterov momentum (with --optimizer momentum).")
    boolean nesterov;

    @Option(names = "--weight-decay", description = "Weight decay. Default: 0.01 for adamw, 0 otherwise.")
    Float weightDecay;

    @Option(names = "--dropout", defaultValue = "0",
            description = "Drop probability after each hidden fully connected layer. Default: ${DEFAULT-VALUE}.")
    float dropout;

    @Option(names = "--l2", defaultValue = "0",
            description = "L2 penalty lambda * sum(w^2) on the weights, added to the loss. Default: ${DEFAULT-VALUE}.")
    float l2;

    @Option(names = "--l1", defaultValue = "0",
            description = "L1 penalty lambda * sum(|w|) on the weights, added to the loss. Default: ${DEFAULT-VALUE}.")
    float l1;

    @Option(names = "--grad-clip", defaultValue = "0", paramLabel = "MAX_NORM",
            description = "Scale gradients down to this global L2 norm when larger (0: off). Default: ${DEFAULT-VALUE}.")
    float gradClip;

    @Option(names = "--lr-schedule", defaultValue = "none", paramLabel = "none|step|cosine",
            description = "none; step (x0.1 at 1/3 and 2/3 of the epochs); cosine (to 0 over the epochs). "
                    + "Default: ${DEFAULT-VALUE}.")
    String lrSchedule;

    @Option(names = "--train-subset", defaultValue = "0", paramLabel = "N",
            description = "Train on a class-balanced subset of N images (0: all), to show overfitting. "
                    + "Default: ${DEFAULT-VALUE}.")
    int trainSubset;

    @Option(names = "--val-fraction", defaultValue = "0.1",
            description = "Part of the training images held out for validation. Default: ${DEFAULT-VALUE}.")
    double valFraction;

    @Option(names = "--patience", defaultValue = "0",
            description = "Stop after this many epochs without a better validation loss and restore the best "
                    + "weights (0: off). Default: ${DEFAULT-VALUE}.")
    int patience;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of weights, shuffling, dropout and split. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", paramLabel = "FOLDER", description = "Output folder. Default: runs/<timestamp>.")
    Path out;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Draw a progress bar per epoch (--no-progress for logs). Default: ${DEFAULT-VALUE}.")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter console = spec.commandLine().getOut();
        Backend device = BackendChoice.resolve(backend);
        Mnist.Data mnist = DataSource.load(data);
        Datasets.Split split = Datasets.split(mnist.train(), valFraction, seed, true);
        Dataset trainSet = split.train();
        if (trainSubset > 0) {
            int perClass = trainSubset / trainSet.numClasses();
            trainSet = Datasets.balancedSubset(trainSet, perClass, seed);
        }
        console.printf("%s; training on %,d, validating on %,d, testing on %,d%n", DataSource.describe(data, mnist),
                trainSet.size(), split.validation().size(), mnist.test().size());
        console.printf("backend: %s (%s)%n", device.name(), device.deviceDescription());

        DataLoader trainLoader = DataLoader.builder(trainSet).batchSize(batchSize).shuffle(true).seed(seed)
                .backend(device).build();
        DataLoader validationLoader = DataLoader.builder(split.validation()).batchSize(1000).backend(device).build();
        DataLoader testLoader = DataLoader.builder(mnist.test()).batchSize(1000).backend(device).build();

        Path folder = out != null ? out
                : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(folder);

        try (Sequential net = Models.build(model, dropout, new Rng(seed), device);
             Optimizer opt = optimizer(net)) {
            console.printf("model: %s, %,d parameters; optimizer: %s%n", model, net.parameterCount(), opt);
            console.flush();
            TrainerConfig.Builder config = TrainerConfig.builder().epochs(epochs).l2(l2).l1(l1).gradClipNorm(gradClip)
                    .scheduler(schedule(opt)).listener(new ProgressBarListener(console, progress));
            if (patience > 0) {
                config.earlyStopping(new EarlyStopping(patience, 0, true));
            }
            CrossEntropyLoss loss = new CrossEntropyLoss();
            Trainer trainer = new Trainer(net, loss, opt, config.build());
            History history = trainer.fit(trainLoader, validationLoader);
            Metrics.Evaluation test = Metrics.evaluate(net, testLoader, loss);

            Path csv = folder.resolve("history.csv");
            Path chart = folder.resolve("learning-curves.png");
            Path weights = folder.resolve("model.safetensors");
            // The model first: it cost the most to make, and a failing chart must not lose it.
            save(net, weights, test);
            history.writeCsv(csv);
            LearningCurves.writePng(history, model + " on " + (data.equals(DataSource.EMBEDDED) ? "MNIST subset" : "MNIST"),
                    chart);

            console.printf(Locale.ROOT, "test accuracy: %.2f%% (loss %.4f, %,d images)%n", 100 * test.accuracy(),
                    test.loss(), test.samples());
            console.printf("history: %s%n", csv);
            console.printf("learning curves: %s%n", chart);
            console.printf("model: %s%n", weights);
            console.flush();
        }
        return 0;
    }

    private void save(Sequential net, Path file, Metrics.Evaluation test) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(EvalCommand.MODEL_KEY, model);
        meta.put("flint.data", data);
        meta.put("flint.epochs", Integer.toString(epochs));
        meta.put("flint.seed", Long.toString(seed));
        meta.put("flint.test_accuracy", String.format(Locale.ROOT, "%.4f", test.accuracy()));
        Map<String, Tensor> state = net.stateDict();
        try {
            SafeTensors.write(file, state, meta);
        } finally {
            state.values().forEach(Tensor::close);
        }
    }

    private Optimizer optimizer(Sequential net) {
        String kind = optimizer.toLowerCase(Locale.ROOT);
        boolean momentumGiven = spec.commandLine().getParseResult().hasMatchedOption("--momentum");
        switch (kind) {
            case "sgd":
                return new SGD(net.parameters(), lr != null ? lr : 0.1f, momentumGiven ? momentum : 0f, 0f,
                        weightDecay != null ? weightDecay : 0f, false);
            case "momentum":
                return new SGD(net.parameters(), lr != null ? lr : 0.05f, momentum, 0f,
                        weightDecay != null ? weightDecay : 0f, nesterov);
            case "adam":
                return new Adam(net.parameters(), lr != null ? lr : 1e-3f, 0.9f, 0.999f, 1e-8f,
                        weightDecay != null ? weightDecay : 0f);
            default:
                return new AdamW(net.parameters(), lr != null ? lr : 1e-3f, 0.9f, 0.999f, 1e-8f,
                        weightDecay != null ? weightDecay : 0.01f);
        }
    }

    private LrScheduler schedule(Optimizer opt) {
        switch (lrSchedule.toLowerCase(Locale.ROOT)) {
            case "step":
                return new StepLR(opt, Math.max(1, (epochs + 2) / 3), 0.1f);
            case "cosine":
                return new CosineAnnealingLR(opt, epochs, 0f);
            default:
                return null;
        }
    }

    /** Rejects bad values before any work, with picocli's usage text and exit code 2. */
    private void validate() {
        require(Models.NAMES.contains(model.toLowerCase(Locale.ROOT)),
                "--model: unknown model '" + model + "', expected one of " + String.join(", ", Models.NAMES));
        require(BackendChoice.NAMES.contains(backend.toLowerCase(Locale.ROOT)),
                "--backend: unknown backend '" + backend + "', expected one of " + String.join(", ", BackendChoice.NAMES));
        require(OPTIMIZERS.contains(optimizer.toLowerCase(Locale.ROOT)),
                "--optimizer: unknown optimizer '" + optimizer + "', expected one of " + String.join(", ", OPTIMIZERS));
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        require(lr == null || (lr > 0 && Float.isFinite(lr)), "--lr must be a positive number, got " + lr);
        require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        require(!nesterov || optimizer.equalsIgnoreCase("momentum"),
                "--nesterov needs --optimizer momentum, got --optimizer " + optimizer);
        require(weightDecay == null || weightDecay >= 0, "--weight-decay must be at least 0, got " + weightDecay);
        require(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
        require(l2 >= 0, "--l2 must be at least 0, got " + l2);
        require(l1 >= 0, "--l1 must be at least 0, got " + l1);
        require(gradClip >= 0, "--grad-clip must be at least 0, got " + gradClip);
        require(SCHEDULES.contains(lrSchedule.toLowerCase(Locale.ROOT)),
                "--lr-schedule: unknown schedule '" + lrSchedule + "', expected one of " + String.join(", ", SCHEDULES));
        require(trainSubset == 0 || trainSubset >= 10,
                "--train-subset must be 0 (all) or at least 10 (one image per class), got " + trainSubset);
        require(valFraction > 0 && valFraction < 1, "--val-fraction must be between 0 and 1, got " + valFraction);
        require(patience >= 0, "--patience must be at least 0, got " + patience);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}

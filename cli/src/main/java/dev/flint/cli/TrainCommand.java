package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.data.DataLoader;
import dev.flint.data.Dataset;
import dev.flint.data.Datasets;
import dev.flint.data.Mnist;
import dev.flint.io.HostTensor;
import dev.flint.io.SafeTensors;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Module;
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
import dev.flint.train.Checkpoint;
import dev.flint.train.EarlyStopping;
import dev.flint.train.EpochRecord;
import dev.flint.train.History;
import dev.flint.train.IoMessages;
import dev.flint.train.Metrics;
import dev.flint.train.Trainer;
import dev.flint.train.TrainerConfig;
import dev.flint.train.TrainingListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flint train}: trains one of the three models on MNIST (the embedded subset or a folder of the
 * full data), holding out part of the training set for validation, then reports the test accuracy and
 * writes {@code model.safetensors} and {@code learning-curves.png} into the run's folder. As it goes, it
 * appends each epoch to {@code history.csv} and writes {@code checkpoint.safetensors} (model, optimizer,
 * epoch, generators, history), so a run stopped at any moment continues with {@code --resume} exactly
 * as if it had not stopped.
 *
 * <pre>
 *   flint train                                            # MLP, embedded data, best backend
 *   flint train --model cnn --data ../shared/data/mnist --epochs 10 --optimizer momentum --lr 0.05
 *   flint train --train-subset 500 --epochs 60             # overfitting: train acc ~100%, val far below
 *   flint train --train-subset 500 --epochs 60 --l2 1e-3 --dropout 0.5    # the gap shrinks
 *   flint train --resume runs/20260101-120000              # continue a stopped run
 *   flint train --spark local[4]                           # data-parallel on Spark (flint-spark on the class path)
 * </pre>
 *
 * <p>Exit status: 0 on success; 1 for a run-time failure (a file that cannot be written, an unusable
 * backend, a loss that became NaN: the model of the best or last finite epoch is kept); 2 for bad options.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model on MNIST; write history.csv and checkpoint.safetensors every epoch, then "
                + "model.safetensors and learning-curves.png.")
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

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda",
            description = "Where to compute; auto picks CUDA when usable, else the CPU. Default: as the library, "
                    + "-Dflint.backend, else the environment variable FLINT_BACKEND, else auto.")
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

    @Option(names = "--out", paramLabel = "FOLDER",
            description = "Output folder (created if missing; refused if it already holds files, see --overwrite). "
                    + "Default: a new runs/<timestamp>.")
    Path out;

    @Option(names = "--overwrite", description = "Replace the run in --out (its history, model, chart and "
            + "checkpoint) instead of refusing.")
    boolean overwrite;

    @Option(names = "--resume", paramLabel = "FOLDER",
            description = "Continue the run in FOLDER (or from its checkpoint file) after its last finished epoch, "
                    + "with the options it was started with; --epochs, --backend, --data and --[no-]progress may "
                    + "be given too.")
    Path resume;

    @Option(names = "--spark", paramLabel = "MASTER_URL",
            description = "Train data-parallel on Apache Spark (local[4], spark://host:7077, ...): needs flint-spark "
                    + "and Spark on the class path (see spark/README.md). Default: train here.")
    String spark;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Draw a progress bar per epoch (--no-progress for logs). Default: ${DEFAULT-VALUE}.")
    boolean progress;

    /** Checkpoint metadata key of the options a run was started with, one per line, for --resume. */
    static final String ARGS_KEY = "flint.args";
    /** The options --resume accepts beside itself. */
    static final List<String> RESUME_OPTIONS = List.of("--resume", "--epochs", "--backend", "--data", "--progress");
    /** Batches between progress updates: each reads the running figures from the device once. */
    static final int LOG_EVERY = 10;

    /** What the command is doing, for an out-of-memory message. */
    private String doing = "starting";
    private long doingNeeds;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (resume != null) {
                return resumeRun(console, err);
            }
            validate();
            if (spark != null) {
                SparkBridge.entry(spark);
            }
            return train(prepareOut(), null, savedArgs(), console, err);
        } catch (OutOfMemoryError e) {
            // The failed allocation is gone once the stack unwinds, so there is heap for the message.
            throw new IllegalStateException(HeapMessages.outOfMemory(doing, doingNeeds, "train"), e);
        }
    }

    /** Continues the run named by --resume with the options it was started with. */
    private int resumeRun(PrintWriter console, PrintWriter err) throws Exception {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        for (OptionSpec o : given.matchedOptions()) {
            if (!RESUME_OPTIONS.contains(o.longestName())) {
                throw new ParameterException(spec.commandLine(), "--resume continues a run with the options it was "
                        + "started with; " + o.longestName() + " cannot be changed (only --epochs, --backend, --data and "
                        + "--[no-]progress can)");
            }
        }
        RunFolder run;
        try {
            run = RunFolder.forResume(resume);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Checkpoint checkpoint = Checkpoint.read(run.checkpoint());
        String saved = checkpoint.metadata().get(ARGS_KEY);
        if (saved == null) {
            throw new IllegalArgumentException(run.checkpoint() + " was not written by 'flint train' (no '" + ARGS_KEY
                    + "' in its metadata)");
        }
        List<String> args = new ArrayList<>(saved.isEmpty() ? List.of() : List.of(saved.split("\n")));
        for (String name : List.of("--epochs", "--backend", "--data")) {
            if (given.hasMatchedOption(name)) {
                args = withOption(args, name, given.matchedOption(name).stringValues().get(0));
            }
        }
        TrainCommand original = new TrainCommand();
        CommandLine cl = new CommandLine(original);
        cl.parseArgs(args.toArray(new String[0]));
        original.progress = progress;
        original.validate();
        console.printf("resuming %s after epoch %d of %d%n", run, checkpoint.epoch(), original.epochs);
        try {
            return original.train(run, checkpoint, args, console, err);
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException(HeapMessages.outOfMemory(original.doing, original.doingNeeds, "train"), e);
        }
    }

    /**
     * One run into {@code run}: from scratch, or from {@code checkpoint} when resuming. {@code args} are
     * the options to record in its checkpoints.
     */
    private int train(RunFolder run, Checkpoint checkpoint, List<String> args, PrintWriter console, PrintWriter err)
            throws IOException {
        Backend device = BackendChoice.resolve(backend);
        doing = "loading the data";
        Mnist.Data mnist = DataSource.load(data);
        String source = data.equals(DataSource.EMBEDDED) ? "the embedded MNIST subset" : "--data " + data;
        Models.checkImages(source, "training", mnist.train());
        Models.checkImages(source, "test", mnist.test());
        Datasets.Split split = Datasets.split(mnist.train(), valFraction, seed, true);
        Dataset trainSet = split.train();
        if (trainSubset > 0) {
            trainSet = Datasets.balancedSubset(trainSet, checkSubset(trainSet, split.validation().size()), seed);
        }
        console.printf("%s; training on %,d, validating on %,d, testing on %,d%n", DataSource.describe(data, mnist),
                trainSet.size(), split.validation().size(), mnist.test().size());
        console.printf("backend: %s (%s)%n", device.name(), device.deviceDescription());
        console.printf("run: %s%n", run);

        DataLoader trainLoader = DataLoader.builder(trainSet).batchSize(batchSize).shuffle(true).seed(seed)
                .backend(device).build();
        DataLoader validationLoader = DataLoader.builder(split.validation()).batchSize(1000).backend(device).build();
        DataLoader testLoader = DataLoader.builder(mnist.test()).batchSize(1000).backend(device).build();

        doing = "building the model";
        try (Sequential net = Models.build(model, dropout, new Rng(seed), device);
             Optimizer opt = optimizer(net)) {
            console.printf("model: %s, %,d parameters; optimizer: %s%n", model, net.parameterCount(), opt);
            console.flush();
            long perSample = Models.activationFloatsPerSample(net, device);
            AtomicInteger checkpointed = new AtomicInteger(checkpoint == null ? 0 : checkpoint.epoch());
            BestWeights best = new BestWeights(net);
            TrainerConfig.Builder config = TrainerConfig.builder().epochs(epochs).l2(l2).l1(l1).gradClipNorm(gradClip)
                    .scheduler(schedule(opt)).logEvery(LOG_EVERY)
                    .listener(new ProgressBarListener(console, progress))
                    .listener(new HistoryFile(run.history(), checkpointed)).listener(best)
                    .checkpoint(run.checkpoint(), runMetadata(args));
            if (patience > 0) {
                config.earlyStopping(new EarlyStopping(patience, 0, true));
            }
            CrossEntropyLoss loss = new CrossEntropyLoss();
            Trainer trainer = new Trainer(net, loss, opt, config.build());
            Thread onSignal = new Thread(() -> System.err.println(interruptedMessage(run, checkpointed.get())));
            Runtime.getRuntime().addShutdownHook(onSignal);
            try {
                // A step keeps the activations for backward and makes about as much again in gradients.
                doing = String.format(Locale.ROOT, "training (%s, batch size %d)", model, batchSize);
                doingNeeds = 2 * 4 * perSample * batchSize;
                if (spark != null) {
                    // Data-parallel on the cluster; it checkpoints into the run folder's spark-checkpoint.
                    SparkBridge.fit(spark, net, opt, config.build(), trainSet, validationLoader, batchSize, seed,
                            run.dir(), modelFactory(device.name()), optimizerFactory(), console);
                } else if (checkpoint != null) {
                    // The history file may hold an epoch finished after the checkpoint: start from the checkpoint's.
                    checkpoint.history().writeCsv(run.history());
                    trainer.resume(checkpoint, trainLoader, validationLoader);
                } else {
                    trainer.fit(trainLoader, validationLoader);
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } finally {
                removeHook(onSignal);
            }
            if (trainer.diverged()) {
                return keepFiniteModel(run, best, trainer.stopReason(), args, err);
            }
            doing = "evaluating on the test images";
            doingNeeds = 0;
            Metrics.Evaluation test = Metrics.evaluate(net, testLoader, loss);
            // The result first: everything after it is files, and a failing chart must not hide it.
            console.printf(Locale.ROOT, "test accuracy: %.2f%% (loss %.4f, %,d images)%n", 100 * test.accuracy(),
                    test.loss(), test.samples());
            console.flush();
            Map<String, String> meta = runMetadata(args);
            meta.put("flint.test_accuracy", String.format(Locale.ROOT, "%.4f", test.accuracy()));
            save(net.stateDict(), run.model(), meta);
            console.printf("model: %s%n", run.model());
            console.printf("history: %s%n", run.history());
            console.printf("checkpoint: %s%n", spark == null ? run.checkpoint() : run.dir().resolve("spark-checkpoint"));
            console.flush();
            try {
                LearningCurves.writePng(History.readCsv(run.history()), model + " on "
                        + (data.equals(DataSource.EMBEDDED) ? "MNIST subset" : "MNIST"), run.chart());
            } catch (IOException e) {
                err.println("flint: " + e.getMessage() + " (the model, history and checkpoint above are complete)");
                err.flush();
                return 1;
            }
            console.printf("learning curves: %s%n", run.chart());
            console.flush();
        }
        return 0;
    }

    /**
     * After a loss became NaN or infinite: the weights of the finite epoch with the best validation loss
     * (else those of the last checkpoint, the last finite epoch) become the model file; the run fails.
     */
    private int keepFiniteModel(RunFolder run, BestWeights best, String reason, List<String> args, PrintWriter err)
            throws IOException {
        err.println("flint: " + reason);
        Map<String, String> meta = runMetadata(args);
        String kept;
        if (best.weights != null) {
            meta.put("flint.epoch", Integer.toString(best.epoch));
            writeModel(run.model(), best.weights, meta);
            kept = "epoch " + best.epoch + ", the best validation loss";
        } else if (Files.isRegularFile(run.checkpoint())) {
            Checkpoint c = Checkpoint.read(run.checkpoint());
            Map<String, HostTensor> weights = new LinkedHashMap<>();
            SafeTensors.readHost(run.checkpoint()).tensors().forEach((k, v) -> {
                if (k.startsWith("model.")) {
                    weights.put(k.substring("model.".length()), v);
                }
            });
            meta.put("flint.epoch", Integer.toString(c.epoch()));
            writeModel(run.model(), weights, meta);
            kept = "epoch " + c.epoch() + ", the last with a finite loss";
        } else {
            err.println("flint: no epoch finished with a finite loss, so no model was saved (try a lower --lr)");
            err.flush();
            return 1;
        }
        err.printf("flint: kept the model of %s: %s; the checkpoint of the last finite epoch: %s%n", kept, run.model(),
                run.checkpoint());
        err.flush();
        return 1;
    }

    private static void writeModel(Path file, Map<String, HostTensor> weights, Map<String, String> meta)
            throws IOException {
        try {
            SafeTensors.writeHost(file, weights, meta);
        } catch (IOException e) {
            throw IoMessages.wrap("cannot write the model", file, e);
        }
    }

    private static String interruptedMessage(RunFolder run, int epoch) {
        return epoch == 0 ? "flint: stopped before the first epoch ended; nothing to resume in " + run
                : "flint: stopped; the checkpoint of epoch " + epoch + " is in " + run.checkpoint()
                + "; continue with: ./flint train --resume " + run;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting: the hook runs, as it should
        }
    }

    /** Metadata of the model and checkpoint files: the model kind for eval, the options for --resume. */
    private Map<String, String> runMetadata(List<String> args) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(EvalCommand.MODEL_KEY, model);
        meta.put("flint.data", data);
        meta.put("flint.epochs", Integer.toString(epochs));
        meta.put("flint.seed", Long.toString(seed));
        meta.put(ARGS_KEY, String.join("\n", args));
        return meta;
    }

    /** Writes {@code state} (closing it) to {@code file}; errors name the file. */
    private static void save(Map<String, Tensor> state, Path file, Map<String, String> meta) throws IOException {
        try {
            SafeTensors.write(file, state, meta);
        } catch (IOException e) {
            throw IoMessages.wrap("cannot write the model", file, e);
        } finally {
            state.values().forEach(Tensor::close);
        }
    }

    /** The run folder of a fresh run: --out checked, or a new runs/<timestamp>. */
    private RunFolder prepareOut() throws IOException {
        if (out == null) {
            return RunFolder.createUnique(Path.of("runs"), LocalDateTime.now());
        }
        try {
            return RunFolder.forOut(out, overwrite);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Images per class for --train-subset, after checking the training part has that many. */
    private int checkSubset(Dataset trainSet, int heldOut) {
        String after = " after holding out " + String.format(Locale.ROOT, "%,d", heldOut) + " for validation";
        if (trainSubset > trainSet.size()) {
            throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT, "--train-subset %,d is more "
                    + "than the %,d training images%s; give at most %d", trainSubset, trainSet.size(), after,
                    trainSet.size()));
        }
        int perClass = trainSubset / trainSet.numClasses();
        int[] counts = Datasets.classCounts(trainSet);
        int smallest = 0;
        for (int c = 1; c < counts.length; c++) {
            smallest = counts[c] < counts[smallest] ? c : smallest;
        }
        if (counts[smallest] < perClass) {
            throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT, "--train-subset %,d takes "
                    + "%,d images of each of the %d classes, but the training images%s hold only %,d of class %d; give "
                    + "at most %d", trainSubset, perClass, counts.length, after, counts[smallest], smallest,
                    counts[smallest] * counts.length));
        }
        return perClass;
    }

    /** The options of this command line without those that name where a run goes (--out, --overwrite, --resume). */
    private List<String> savedArgs() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int start = all.indexOf("train") + 1;
        List<String> args = new ArrayList<>();
        for (int i = start; i < all.size(); i++) {
            String a = all.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (name.equals("--out") || name.equals("--resume")) {
                if (!a.contains("=")) {
                    i++;
                }
                continue;
            }
            if (a.equals("--overwrite") || a.equals("--progress") || a.equals("--no-progress")) {
                continue;
            }
            args.add(a);
        }
        return args;
    }

    /** {@code args} with every occurrence of option {@code name} replaced by {@code name value}. */
    static List<String> withOption(List<String> args, String name, String value) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(name)) {
                i++;
            } else if (!a.startsWith(name + "=")) {
                out.add(a);
            }
        }
        out.add(name);
        out.add(value);
        return out;
    }

    /**
     * A host copy of the parameters of the epoch with the lowest finite validation loss, so that a run
     * whose loss later becomes NaN still leaves its best model (one download per improving epoch).
     */
    private static final class BestWeights implements TrainingListener {
        private final Sequential net;
        private double loss = Double.POSITIVE_INFINITY;
        private int epoch;
        private Map<String, HostTensor> weights;

        BestWeights(Sequential net) {
            this.net = net;
        }

        @Override
        public void onEpochEnd(EpochRecord r) {
            if (Double.isFinite(r.trainLoss()) && r.validationLoss() < loss) {
                loss = r.validationLoss();
                epoch = r.epoch();
                weights = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet()) {
                    weights.put(e.getKey(), HostTensor.ofFloats(e.getValue().shape().dims(), e.getValue().toFloatArray()));
                }
            }
        }
    }

    /** Appends each finished epoch to history.csv and remembers the last checkpointed one. */
    private static final class HistoryFile implements TrainingListener {
        private final Path file;
        private final AtomicInteger checkpointed;

        HistoryFile(Path file, AtomicInteger checkpointed) {
            this.file = file;
            this.checkpointed = checkpointed;
        }

        @Override
        public void onEpochEnd(EpochRecord r) {
            if (Double.isFinite(r.trainLoss())) {
                // The trainer wrote this epoch's checkpoint before telling its listeners.
                checkpointed.set(r.epoch());
            }
            try {
                History.appendCsv(file, r);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private Optimizer optimizer(Sequential net) {
        return optimizerFactory().apply(net.parameters());
    }

    /**
     * The chosen optimizer as a recipe over any parameter list: the driver applies it to its model, and with
     * --spark every worker to its replica, so it captures plain values only (it is serialized).
     */
    private Function<List<Tensor>, Optimizer> optimizerFactory() {
        String kind = optimizer.toLowerCase(Locale.ROOT);
        float sgdMomentum = spec.commandLine().getParseResult().hasMatchedOption("--momentum") ? momentum : 0f;
        float m = momentum;
        boolean nest = nesterov;
        Float rate = lr;
        Float decay = weightDecay;
        switch (kind) {
            case "sgd":
                return (Function<List<Tensor>, Optimizer> & Serializable) p -> new SGD(p, rate != null ? rate : 0.1f,
                        sgdMomentum, 0f, decay != null ? decay : 0f, false);
            case "momentum":
                return (Function<List<Tensor>, Optimizer> & Serializable) p -> new SGD(p, rate != null ? rate : 0.05f, m,
                        0f, decay != null ? decay : 0f, nest);
            case "adam":
                return (Function<List<Tensor>, Optimizer> & Serializable) p -> new Adam(p, rate != null ? rate : 1e-3f,
                        0.9f, 0.999f, 1e-8f, decay != null ? decay : 0f);
            default:
                return (Function<List<Tensor>, Optimizer> & Serializable) p -> new AdamW(p, rate != null ? rate : 1e-3f,
                        0.9f, 0.999f, 1e-8f, decay != null ? decay : 0.01f);
        }
    }

    /** The chosen model as a serializable recipe, for the Spark workers (the seed varies their dropout masks). */
    private LongFunction<Module> modelFactory(String backendName) {
        String name = model;
        float p = dropout;
        return (LongFunction<Module> & Serializable) s -> Models.build(name, p, new Rng(s), Backends.get(backendName));
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
        OptionChecks.requireKnownBackend(spec, backend);
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
        OptionChecks.require(spec, ok, message);
    }
}

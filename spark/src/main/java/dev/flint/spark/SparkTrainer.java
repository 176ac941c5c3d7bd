package dev.flint.spark;

import dev.flint.data.DataLoader;
import dev.flint.loss.Loss;
import dev.flint.nn.Module;
import dev.flint.optim.Optimizer;
import dev.flint.spark.replica.EpochStats;
import dev.flint.spark.replica.Replica;
import dev.flint.spark.replica.ReplicaSettings;
import dev.flint.tensor.Tensor;
import dev.flint.train.EarlyStopping;
import dev.flint.train.EpochRecord;
import dev.flint.train.History;
import dev.flint.train.Metrics;
import dev.flint.train.TrainerConfig;
import dev.flint.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training on a Spark cluster, the distributed twin of {@code dev.flint.train.Trainer}:
 * same {@link TrainerConfig} (epochs, L2/L1, gradient clipping, learning-rate schedule, early stopping,
 * listeners), same {@link History}. Spark schedules, places and feeds the workers; the workers exchange
 * gradients directly over a TCP ring.
 *
 * <pre>{@code
 * SparkTrainer trainer = new SparkTrainer(model, optimizer, CrossEntropyLoss::new, config,
 *         seed -> buildModel(seed), params -> new Adam(params, 1e-3f),
 *         SparkTrainerOptions.builder().workers(4).globalBatch(64).checkpointDir(dir).build());
 * History h = trainer.fit(sc, SparkData.parallelize(sc, trainSet, 4, 42), new int[] {1, 28, 28}, validation);
 * }</pre>
 *
 * <p><b>Each epoch</b> is one Spark job of one barrier stage: the driver broadcasts the model and optimizer
 * state (safetensors bytes), every worker ({@link EpochTask}) loads it, trains on its partition with a
 * per-epoch seeded shuffle, averaging gradients over the ring every step, and rank 0 returns the trained
 * state. The driver loads it into {@code model} and {@code optimizer}, writes
 * {@code checkpoint.safetensors} and {@code history.csv} into the checkpoint folder, validates on
 * {@code validation}, and steps the schedule.
 *
 * <p><b>When a worker dies mid-epoch</b> (its executor is killed, its machine lost, its task throws), the
 * barrier stage fails as a whole: Spark kills the other workers' tasks (their ring waits see the lost
 * connection or the kill within 100 ms) and resubmits the stage, up to {@code spark.stage.maxConsecutiveAttempts}
 * times (4 by default), on a new executor if the old one is gone. The retried tasks start from the same
 * broadcast state, so the epoch is redone from the last checkpoint and its result is the same as without
 * the failure. When the retries run out, {@link #fit} throws a {@link SparkTrainingException} naming the
 * epoch and the checkpoint; calling {@code fit} again with the same checkpoint folder resumes after the last
 * completed epoch (the schedule is replayed to that epoch).
 *
 * <p>The driver's {@code model} and {@code optimizer} hold the trained state when {@code fit} returns.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
    /** The checkpoint's file name in the checkpoint folder. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** The history's file name in the checkpoint folder. */
    public static final String HISTORY = "history.csv";

    private final Module model;
    private final Optimizer optimizer;
    private final LossFactory lossFactory;
    private final TrainerConfig config;
    private final ModelFactory modelFactory;
    private final OptimizerFactory optimizerFactory;
    private final SparkTrainerOptions options;
    private String stopReason = "not started";

    /**
     * A trainer of the driver's {@code model} and {@code optimizer}; the workers build theirs with
     * {@code modelFactory} and {@code optimizerFactory}, which must make the same architecture and the same
     * kind of optimizer with the same hyperparameters (the model's shapes are checked on every worker).
     */
    public SparkTrainer(Module model, Optimizer optimizer, LossFactory lossFactory, TrainerConfig config,
                        ModelFactory modelFactory, OptimizerFactory optimizerFactory, SparkTrainerOptions options) {
        this.model = Objects.requireNonNull(model, "model");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.lossFactory = Objects.requireNonNull(lossFactory, "lossFactory");
        this.config = Objects.requireNonNull(config, "config");
        this.modelFactory = Objects.requireNonNull(modelFactory, "modelFactory");
        this.optimizerFactory = Objects.requireNonNull(optimizerFactory, "optimizerFactory");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Why the last {@link #fit} ended. */
    public String stopReason() {
        return stopReason;
    }

    /**
     * Trains on {@code data} (one partition per worker, each element a sample of {@code sampleShape}),
     * validating on the driver with {@code validation} after each epoch (null: none).
     *
     * @return every epoch's record, those of a resumed run's earlier epochs included
     * @throws IllegalArgumentException when the data's partitions do not match the workers
     * @throws IllegalStateException when the cluster does not offer enough task slots in time
     * @throws SparkTrainingException when an epoch fails after Spark's retries
     */
    public History fit(JavaSparkContext sc, JavaRDD<Sample> data, int[] sampleShape, DataLoader validation) {
        if (data.getNumPartitions() != options.workers()) {
            throw new IllegalArgumentException("SparkTrainer: the data has " + data.getNumPartitions() + " partitions "
                    + "but " + options.workers() + " workers were asked for; each worker trains on one partition: "
                    + "repartition the data (data.repartition(" + options.workers() + ")) or ask for "
                    + data.getNumPartitions() + " workers");
        }
        checkFactories();
        EarlyStopping stopping = config.earlyStopping();
        if (stopping != null && validation == null) {
            throw new IllegalArgumentException("SparkTrainer.fit: early stopping watches the validation loss, but no "
                    + "validation loader was given");
        }
        if (stopping != null) {
            stopping.reset();
        }
        Loss loss = lossFactory.create();
        ReplicaSettings settings = new ReplicaSettings(options.globalBatch(), options.seed(), config.l2(), config.l1(),
                config.gradClipNorm(), options.checksumEvery());
        Path dir = options.checkpointPath();
        History history = resume(dir);
        waitForSlots(sc);
        stopReason = "finished " + config.epochs() + " epochs";
        int stepsGuess = Math.max(1, (int) (data.count() / options.globalBatch()));
        for (TrainingListener l : config.listeners()) {
            l.onTrainStart(config.epochs(), stepsGuess);
        }
        Map<String, Tensor> best = null;
        try {
            for (int epoch = history.size() + 1; epoch <= config.epochs(); epoch++) {
                EpochRecord record = runEpoch(sc, data, sampleShape, validation, loss, settings, epoch, stepsGuess);
                history.add(record);
                writeCheckpoint(dir, history, epoch);
                LOG.info(describe(record, config.epochs(), options.workers()));
                for (TrainingListener l : config.listeners()) {
                    l.onEpochEnd(record);
                }
                if (config.scheduler() != null) {
                    config.scheduler().step();
                }
                if (Double.isNaN(record.trainLoss()) || Double.isInfinite(record.trainLoss())) {
                    stopReason = "training loss became " + record.trainLoss() + " in epoch " + epoch
                            + " (learning rate too high?)";
                    break;
                }
                if (stopping != null) {
                    boolean stop = stopping.update(epoch, record.validationLoss());
                    if (stopping.lastWasBest() && stopping.restoreBestWeights()) {
                        closeAll(best);
                        best = model.stateDict();
                    }
                    if (stop) {
                        stopReason = "early stopping: validation loss did not improve for " + stopping.patience()
                                + " epochs after epoch " + stopping.bestEpoch();
                        break;
                    }
                }
            }
            if (best != null) {
                model.loadStateDict(best);
            }
        } finally {
            closeAll(best);
        }
        for (TrainingListener l : config.listeners()) {
            l.onTrainEnd(history, stopReason);
        }
        return history;
    }

    private EpochRecord runEpoch(JavaSparkContext sc, JavaRDD<Sample> data, int[] sampleShape, DataLoader validation,
                                 Loss loss, ReplicaSettings settings, int epoch, int stepsGuess) {
        long start = System.nanoTime();
        float lr = optimizer.lr();
        for (TrainingListener l : config.listeners()) {
            l.onEpochStart(epoch);
        }
        Broadcast<byte[]> state = sc.broadcast(StateCodec.encode(model, optimizer, Map.of()));
        List<EpochResult> results;
        try {
            sc.setJobDescription("flint: epoch " + epoch + "/" + config.epochs() + " on " + options.workers() + " workers");
            results = EpochTask.run(data, new EpochTask(state, modelFactory, optimizerFactory, lossFactory, settings,
                    sampleShape, epoch - 1, lr, options));
        } catch (Exception e) {
            // Spark throws the checked SparkException through Scala code: catch everything here.
            Path checkpoint = options.checkpointPath().resolve(CHECKPOINT);
            throw new SparkTrainingException("epoch " + epoch + " failed after Spark's retries: " + rootMessage(e)
                    + (Files.exists(checkpoint) ? ". The last checkpoint is " + checkpoint.toAbsolutePath()
                    + " (epoch " + (epoch - 1) + "); run again with the same checkpoint folder to resume from it"
                    : ". No epoch had finished, so there is no checkpoint to resume from"), e);
        } finally {
            state.destroy();
        }
        results = results.stream().sorted(Comparator.comparingInt(EpochResult::rank)).toList();
        EpochResult first = results.get(0);
        if (results.size() != options.workers() || first.rank() != 0 || first.state() == null) {
            throw new IllegalStateException("SparkTrainer: epoch " + epoch + " returned " + results.size()
                    + " results, expected one per worker with rank 0's state");
        }
        StateCodec.decode(first.state(), model, optimizer);
        long checksum = Replica.checksum(model.parameters());
        if (checksum != first.stats().checksum()) {
            throw new IllegalStateException("SparkTrainer: the state received from rank 0 does not match its checksum "
                    + "(corrupted in transfer?)");
        }
        double lossSum = 0;
        long correct = 0;
        long samples = 0;
        for (EpochResult r : results) {
            EpochStats s = r.stats();
            lossSum += s.lossSum();
            correct += s.correct();
            samples += s.samples();
        }
        double trainLoss = lossSum / samples;
        double trainAccuracy = (double) correct / samples;
        for (TrainingListener l : config.listeners()) {
            // The steps ran remotely: the listeners hear one batch event, at the end, with the epoch's figures.
            l.onBatchEnd(epoch, stepsGuess, trainLoss, trainAccuracy);
        }
        if (validation == null) {
            return EpochRecord.withoutValidation(epoch, trainLoss, trainAccuracy, lr, seconds(start));
        }
        Metrics.Evaluation v = Metrics.evaluate(model, validation, loss);
        return new EpochRecord(epoch, trainLoss, trainAccuracy, v.loss(), v.accuracy(), lr, seconds(start));
    }

    /**
     * Builds one replica on the driver, so that factories making another model or optimizer fail here,
     * at once, instead of in every task and every one of Spark's retries.
     */
    private void checkFactories() {
        try (Module probe = modelFactory.create(options.seed())) {
            String expected = Replica.layout(model);
            String built = Replica.layout(probe);
            if (!expected.equals(built)) {
                throw new IllegalArgumentException("SparkTrainer: the model factory builds another model than the driver's: "
                        + dev.flint.spark.ring.Ring.layoutDifference(expected, built, "driver", "factory"));
            }
            try (Optimizer o = optimizerFactory.create(probe.parameters())) {
                if (o.getClass() != optimizer.getClass()) {
                    throw new IllegalArgumentException("SparkTrainer: the optimizer factory builds a "
                            + o.getClass().getSimpleName() + ", the driver trains with a "
                            + optimizer.getClass().getSimpleName());
                }
            }
        }
    }

    /** Loads the checkpoint in {@code dir}, if any, and returns the history up to it (empty otherwise). */
    private History resume(Path dir) {
        Path checkpoint = dir.resolve(CHECKPOINT);
        if (!Files.exists(checkpoint)) {
            return new History();
        }
        try {
            byte[] bytes = Files.readAllBytes(checkpoint);
            Map<String, String> meta = StateCodec.decode(bytes, model, optimizer);
            int epoch = Integer.parseInt(meta.getOrDefault("flint.epoch", "0"));
            List<EpochRecord> records = Files.exists(dir.resolve(HISTORY))
                    ? History.readCsv(dir.resolve(HISTORY)).records() : List.of();
            if (records.size() < epoch) {
                throw new IllegalStateException("SparkTrainer: " + checkpoint + " is from epoch " + epoch + " but "
                        + dir.resolve(HISTORY) + " has only " + records.size() + " epochs");
            }
            History history = new History(records.subList(0, epoch));
            for (int e = 0; e < epoch && config.scheduler() != null; e++) {
                config.scheduler().step();
            }
            LOG.info("flint: resuming from {} after epoch {}", checkpoint, epoch);
            return history;
        } catch (IOException e) {
            throw new UncheckedIOException("SparkTrainer: cannot read the checkpoint " + checkpoint + ": "
                    + e.getMessage(), e);
        }
    }

    private void writeCheckpoint(Path dir, History history, int epoch) {
        try {
            Files.createDirectories(dir);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("flint.epoch", Integer.toString(epoch));
            meta.put("flint.workers", Integer.toString(options.workers()));
            meta.put("flint.global_batch", Integer.toString(options.globalBatch()));
            meta.put("flint.seed", Long.toString(options.seed()));
            // History first: a crash between the two leaves a history one epoch ahead, which resume trims.
            history.writeCsv(dir.resolve(HISTORY));
            Path target = dir.resolve(CHECKPOINT);
            Path temp = dir.resolve(CHECKPOINT + ".tmp");
            Files.write(temp, StateCodec.encode(model, optimizer, meta));
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("SparkTrainer: cannot write the checkpoint of epoch " + epoch + " to " + dir
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Barrier tasks must all run at once; Spark itself would re-check for minutes before failing. Waits
     * until the cluster offers {@code workers} slots (executors register after the context starts).
     */
    private void waitForSlots(JavaSparkContext sc) {
        long deadline = System.nanoTime() + options.slotTimeout().toNanos();
        // Outside local mode the default parallelism is the registered executors' cores, but at least 2
        // even with none registered yet: wait for one executor too.
        boolean local = sc.master().startsWith("local");
        int slots = sc.sc().defaultParallelism();
        while (slots < options.workers() || (!local && sc.sc().statusTracker().getExecutorInfos().length < 2)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("SparkTrainer: the cluster at " + sc.master() + " offers " + slots
                        + " task slots after " + options.slotTimeout().toSeconds() + " s, fewer than the "
                        + options.workers() + " workers asked for (barrier tasks all run at once): add executors or "
                        + "cores, or ask for fewer workers");
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("SparkTrainer: interrupted while waiting for executors", e);
            }
            slots = sc.sc().defaultParallelism();
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        // Spark's job-abort message carries the task's exception as text; keep its first lines.
        String[] lines = msg.split("\n");
        StringBuilder sb = new StringBuilder(lines[0]);
        for (int i = 1; i < Math.min(lines.length, 4); i++) {
            if (!lines[i].trim().startsWith("at ")) {
                sb.append(' ').append(lines[i].trim());
            }
        }
        if (t != e && t.getMessage() != null && !sb.toString().contains(t.getMessage())) {
            sb.append(" (").append(t.getMessage()).append(')');
        }
        return sb.toString();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static void closeAll(Map<String, Tensor> tensors) {
        if (tensors != null) {
            tensors.values().forEach(Tensor::close);
        }
    }

    static String describe(EpochRecord r, int epochs, int workers) {
        String s = String.format(Locale.ROOT, "epoch %d/%d on %d workers: train loss %.4f acc %.2f%%", r.epoch(), epochs,
                workers, r.trainLoss(), 100 * r.trainAccuracy());
        if (r.hasValidation()) {
            s += String.format(Locale.ROOT, ", val loss %.4f acc %.2f%%", r.validationLoss(), 100 * r.validationAccuracy());
        }
        return s + String.format(Locale.ROOT, " (lr %.3g, %.1f s)", r.learningRate(), r.seconds());
    }
}

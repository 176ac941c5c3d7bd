package dev.flint.train;

import dev.flint.backend.Backend;
import dev.flint.data.Batch;
import dev.flint.data.DataLoader;
import dev.flint.io.SafeTensors;
import dev.flint.loss.Loss;
import dev.flint.loss.Regularization;
import dev.flint.nn.Dropout;
import dev.flint.nn.Module;
import dev.flint.optim.GradClip;
import dev.flint.optim.Optimizer;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of a classifier: for each epoch, one pass over the training data (forward, loss,
 * backward, optimizer step per batch), then validation, a {@link History} record, the learning-rate
 * schedule and early stopping. The model maps a batch to scores {@code (N, classes)}; accuracy counts
 * the rows whose highest score is the label.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(model.parameters(), 1e-3f),
 *         TrainerConfig.builder().epochs(10).earlyStopping(new EarlyStopping(2, 0, true)).build());
 * History history = trainer.fit(trainLoader, validationLoader);
 * }</pre>
 *
 * <p>Memory: each step runs in a {@link Scope} that frees the step's intermediate tensors (activations,
 * the loss, the batch) after the optimizer step, so a step's memory does not outlive it. Parameters,
 * their gradients and the optimizer's state live outside.
 *
 * <p>Reported numbers: the training loss is the data loss (without the L2/L1 penalty) averaged over the
 * epoch's batches as they were trained, in training mode, so it is comparable with the validation loss
 * yet reflects the model while it changed (as Keras reports it). Validation runs after the epoch in
 * evaluation mode. Progress goes to {@link TrainingListener}s and one SLF4J line per epoch.
 *
 * <p>Host syncs: a training step never waits for the device. The loss and accuracy are summed on the
 * device and read once per logging interval ({@link TrainerConfig.Builder#logEvery}), labels uploaded
 * from the host carry their range so the loss checks them without a download, and gradient clipping
 * scales by a factor computed on the device. Validation reads its sums once per pass.
 *
 * <p>Checkpoints: with {@link TrainerConfig.Builder#checkpoint}, the run's whole state is written
 * after every epoch whose loss is finite ({@link Checkpoint}); {@link #resume} continues from it, bit
 * for bit. A run whose loss becomes NaN or infinite stops ({@link #diverged()}), and its checkpoint
 * stays that of the last finite epoch.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final Module model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final TrainerConfig config;
    private final List<Tensor> penalized;
    private String stopReason = "not started";
    private boolean diverged;

    /**
     * A trainer of {@code model} on {@code loss} with {@code optimizer}, which must update the model's
     * parameters.
     */
    public Trainer(Module model, Loss loss, Optimizer optimizer, TrainerConfig config) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.config = config;
        this.penalized = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            // Penalties shrink weights, not biases: a bias does not add capacity to overfit with.
            if (e.getKey().equals("weight") || e.getKey().endsWith(".weight")) {
                penalized.add(e.getValue());
            }
        }
        if ((config.l2() > 0 || config.l1() > 0) && penalized.isEmpty()) {
            throw new IllegalArgumentException("Trainer: an L2/L1 penalty was asked for, but the model has no "
                    + "parameter named '*weight' (has " + model.namedParameters().keySet() + ")");
        }
    }

    /**
     * Trains on {@code train} for the configured epochs, validating on {@code validation} after each
     * epoch (null: no validation; early stopping then cannot be used).
     *
     * @return one record per epoch trained
     * @throws UncheckedIOException naming the file when a checkpoint cannot be written (the previous
     *     epoch's checkpoint is then still intact)
     */
    public History fit(DataLoader train, DataLoader validation) {
        checkValidation(validation);
        EarlyStopping stopping = config.earlyStopping();
        if (stopping != null) {
            stopping.reset();
        }
        return run(1, new History(), null, train, validation);
    }

    /**
     * Continues the run that wrote {@code checkpoint} as if it had never stopped: the model's
     * parameters, the optimizer's state, the dropout generators, the learning-rate schedule, early
     * stopping and the history are put back, and training goes on from the next epoch up to the
     * configured number. The trainer must be built as the interrupted one was (the same model, optimizer,
     * schedule and loaders); then the result is bit for bit that of an uninterrupted run.
     *
     * <pre>{@code
     * Trainer trainer = new Trainer(model, loss, optimizer, sameConfig);
     * History h = trainer.resume(Checkpoint.read(file), trainLoader, validationLoader);
     * }</pre>
     *
     * @return the whole history, the checkpoint's epochs included
     * @throws IllegalArgumentException when the checkpoint does not fit this trainer (other parameters, another
     *     optimizer, a schedule or early stopping that one had and this has not, or the reverse)
     */
    public History resume(Checkpoint checkpoint, DataLoader train, DataLoader validation) {
        checkValidation(validation);
        Map<String, String> meta = checkpoint.metadata();
        String where = checkpoint.file() + ": ";
        String optimizerKind = optimizer.getClass().getSimpleName();
        if (!optimizerKind.equals(meta.get(Checkpoint.OPTIMIZER_KEY))) {
            throw new IllegalArgumentException(where + "written with optimizer " + meta.get(Checkpoint.OPTIMIZER_KEY)
                    + ", this trainer has " + optimizerKind);
        }
        if ((config.scheduler() != null) != meta.containsKey(Checkpoint.SCHEDULER_KEY)
                || (config.earlyStopping() != null) != meta.containsKey(Checkpoint.EARLY_STOPPING_KEY)) {
            throw new IllegalArgumentException(where + "written " + (meta.containsKey(Checkpoint.SCHEDULER_KEY)
                    ? "with" : "without") + " a learning-rate schedule and " + (meta.containsKey(
                    Checkpoint.EARLY_STOPPING_KEY) ? "with" : "without") + " early stopping; this trainer has "
                    + (config.scheduler() != null ? "one" : "none") + " and " + (config.earlyStopping() != null
                    ? "it" : "none"));
        }
        Map<String, Rng> rngs = rngs(model);
        for (String key : meta.keySet()) {
            if (key.startsWith(Checkpoint.RNG_PREFIX) && !rngs.containsKey(key.substring(Checkpoint.RNG_PREFIX.length()))) {
                throw new IllegalArgumentException(where + "holds the generator of dropout layer '"
                        + key.substring(Checkpoint.RNG_PREFIX.length()) + "', which this model lacks (it has "
                        + rngs.keySet() + ")");
            }
        }
        Backend backend = optimizer.parameters().get(0).backend();
        Map<String, Tensor> best = null;
        try (Scope scope = Scope.open()) {
            model.loadStateDict(checkpoint.model(backend));
            optimizer.loadStateDict(checkpoint.optimizer(backend));
            for (Map.Entry<String, Rng> e : rngs.entrySet()) {
                String state = meta.get(Checkpoint.RNG_PREFIX + e.getKey());
                if (state == null) {
                    throw new IllegalArgumentException(where + "has no generator state for dropout layer '"
                            + e.getKey() + "'");
                }
                String[] parts = state.split(",");
                e.getValue().restore(new Rng.State(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
            }
            if (config.scheduler() != null) {
                String[] parts = meta.get(Checkpoint.SCHEDULER_KEY).split(",");
                config.scheduler().restore(Integer.parseInt(parts[0]), Float.parseFloat(parts[1]));
            }
            EarlyStopping stopping = config.earlyStopping();
            if (stopping != null) {
                String[] parts = meta.get(Checkpoint.EARLY_STOPPING_KEY).split(",");
                stopping.restore(Double.parseDouble(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                Map<String, Tensor> kept = checkpoint.bestModel(backend);
                if (!kept.isEmpty()) {
                    best = new LinkedHashMap<>(kept);
                    best.values().forEach(scope::keep);
                }
            }
        }
        // The learning rate is the optimizer's own state, restored with it (the schedule set the same value).
        History history = new History(checkpoint.history().records());
        Optional<String> stopped = checkpoint.stopReason();
        if (stopped.isPresent() || checkpoint.epoch() >= config.epochs()) {
            stopReason = stopped.orElse("finished " + config.epochs() + " epochs");
            finish(history, best);
            return history;
        }
        LOG.info("flint: resuming after epoch {} from {}", checkpoint.epoch(), checkpoint.file());
        return run(checkpoint.epoch() + 1, history, best, train, validation);
    }

    private void checkValidation(DataLoader validation) {
        if (config.earlyStopping() != null && validation == null) {
            throw new IllegalArgumentException("Trainer.fit: early stopping watches the validation loss, "
                    + "but no validation loader was given");
        }
    }

    /** Epochs {@code firstEpoch .. config.epochs()}, adding to {@code history}; {@code best} is adopted. */
    private History run(int firstEpoch, History history, Map<String, Tensor> best, DataLoader train,
                        DataLoader validation) {
        EarlyStopping stopping = config.earlyStopping();
        stopReason = "finished " + config.epochs() + " epochs";
        diverged = false;
        for (TrainingListener l : config.listeners()) {
            l.onTrainStart(config.epochs(), train.batches());
        }
        try {
            for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
                EpochRecord record = runEpoch(epoch, train, validation);
                history.add(record);
                LOG.info(describe(record, config.epochs()));
                boolean stop = false;
                if (!Double.isFinite(record.trainLoss())) {
                    // Nothing of this epoch is kept: the last checkpoint stays the last finite state.
                    diverged = true;
                    stopReason = "training loss became " + record.trainLoss() + " in epoch " + epoch
                            + " (learning rate too high?)";
                    LOG.warn("flint: stopping: {}", stopReason);
                    stop = true;
                } else {
                    if (config.scheduler() != null) {
                        config.scheduler().step();
                    }
                    if (stopping != null) {
                        stop = stopping.update(epoch, record.validationLoss());
                        if (stopping.lastWasBest() && stopping.restoreBestWeights()) {
                            closeAll(best);
                            best = model.stateDict();
                        }
                        if (stop) {
                            stopReason = "early stopping: validation loss did not improve for " + stopping.patience()
                                    + " epochs after epoch " + stopping.bestEpoch();
                        }
                    }
                    if (config.checkpoint() != null) {
                        // Only early stopping ends a run for good; one that ran its epochs may be given more.
                        writeCheckpoint(epoch, history, best, stop ? stopReason : null);
                    }
                }
                for (TrainingListener l : config.listeners()) {
                    l.onEpochEnd(record);
                }
                if (stop) {
                    break;
                }
            }
            finish(history, best);
        } finally {
            closeAll(best);
        }
        return history;
    }

    /** Puts the best weights back (early stopping) and tells the listeners that training ended. */
    private void finish(History history, Map<String, Tensor> best) {
        EarlyStopping stopping = config.earlyStopping();
        if (best != null) {
            model.loadStateDict(best);
            LOG.info("flint: restored the weights of epoch {} (validation loss {})", stopping.bestEpoch(),
                    String.format(Locale.ROOT, "%.4f", stopping.bestLoss()));
            closeAll(best);
        }
        for (TrainingListener l : config.listeners()) {
            l.onTrainEnd(history, stopReason);
        }
    }

    /** Why the last {@link #fit} ended: all epochs, early stopping, or a diverged loss. */
    public String stopReason() {
        return stopReason;
    }

    /**
     * Whether the last {@link #fit} or {@link #resume} stopped because the training loss became NaN or
     * infinite; the model then holds the diverged parameters, and the checkpoint (if any) the last finite ones.
     */
    public boolean diverged() {
        return diverged;
    }

    /** Mean loss and accuracy of the model on {@code data} (evaluation mode, no graph). */
    public Metrics.Evaluation evaluate(DataLoader data) {
        return Metrics.evaluate(model, data, loss);
    }

    private EpochRecord runEpoch(int epoch, DataLoader train, DataLoader validation) {
        long start = System.nanoTime();
        float lr = optimizer.lr();
        for (TrainingListener l : config.listeners()) {
            l.onEpochStart(epoch);
        }
        model.train();
        int batchIndex = 0;
        int batches = train.batches();
        List<Tensor> params = optimizer.parameters();
        try (DeviceTotals totals = new DeviceTotals(params.get(0).backend())) {
            // Epochs are 0-based in the loader: its shuffle order depends only on the seed and this number.
            for (Batch batch : train.epoch(epoch - 1)) {
                // Nothing in a step reads from the device: labels carry their range from the host, the loss
                // and accuracy are summed on the device, clipping scales by a factor computed there.
                try (batch; Scope step = Scope.open()) {
                    optimizer.zeroGrad();
                    Tensor out = model.forward(batch.features());
                    Tensor dataLoss = loss.compute(out, batch.labels());
                    Tensor total = dataLoss;
                    if (config.l2() > 0) {
                        total = total.add(Regularization.l2(penalized, config.l2()));
                    }
                    if (config.l1() > 0) {
                        total = total.add(Regularization.l1(penalized, config.l1()));
                    }
                    total.backward();
                    if (config.gradClipNorm() > 0) {
                        GradClip.clipGradNorm(params, config.gradClipNorm());
                    }
                    optimizer.step();
                    totals.add(dataLoss, out, batch.labels());
                }
                batchIndex++;
                if (batchIndex % config.logEvery() == 0 || batchIndex == batches) {
                    totals.read();
                    for (TrainingListener l : config.listeners()) {
                        l.onBatchEnd(epoch, batchIndex, totals.meanLoss(), totals.accuracy());
                    }
                }
            }
            double trainLoss = totals.meanLoss();
            double trainAccuracy = totals.accuracy();
            if (validation == null) {
                return EpochRecord.withoutValidation(epoch, trainLoss, trainAccuracy, lr, seconds(start));
            }
            Metrics.Evaluation v = Metrics.evaluate(model, validation, loss);
            return new EpochRecord(epoch, trainLoss, trainAccuracy, v.loss(), v.accuracy(), lr, seconds(start));
        }
    }

    /** The checkpoint after {@code epoch}: written beside its place, then moved there. */
    private void writeCheckpoint(int epoch, History history, Map<String, Tensor> best, String stopped) {
        Path file = config.checkpoint();
        Map<String, String> meta = new LinkedHashMap<>(config.checkpointMetadata());
        meta.put(Checkpoint.FORMAT_KEY, Checkpoint.FORMAT);
        meta.put(Checkpoint.EPOCH_KEY, Integer.toString(epoch));
        meta.put(Checkpoint.OPTIMIZER_KEY, optimizer.getClass().getSimpleName());
        meta.put(Checkpoint.HISTORY_KEY, history.toCsv());
        if (stopped != null) {
            meta.put(Checkpoint.STOPPED_KEY, stopped);
        }
        if (config.scheduler() != null) {
            meta.put(Checkpoint.SCHEDULER_KEY, config.scheduler().epoch() + "," + config.scheduler().baseLr());
        }
        EarlyStopping stopping = config.earlyStopping();
        if (stopping != null) {
            meta.put(Checkpoint.EARLY_STOPPING_KEY, stopping.bestLoss() + "," + stopping.bestEpoch() + ","
                    + stopping.epochsWithoutImprovement());
            if (best != null) {
                meta.put(Checkpoint.BEST_EPOCH_KEY, Integer.toString(stopping.bestEpoch()));
            }
        }
        for (Map.Entry<String, Rng> e : rngs(model).entrySet()) {
            Rng.State s = e.getValue().state();
            meta.put(Checkpoint.RNG_PREFIX + e.getKey(), s.seed() + "," + s.gamma());
        }
        try (Scope scope = Scope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> tensors.put(Checkpoint.MODEL + k, v));
            optimizer.stateDict().forEach((k, v) -> tensors.put(Checkpoint.OPTIMIZER + k, v));
            if (best != null) {
                best.forEach((k, v) -> tensors.put(Checkpoint.BEST + k, v));
            }
            SafeTensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException(IoMessages.wrap("cannot write the checkpoint", file, e));
        }
    }

    /** The generators of every dropout layer, by the layer's dotted path ({@code "3"}, {@code "block.1"}). */
    static Map<String, Rng> rngs(Module module) {
        Map<String, Rng> out = new LinkedHashMap<>();
        collectRngs("", module, out);
        return out;
    }

    private static void collectRngs(String path, Module m, Map<String, Rng> out) {
        if (m instanceof Dropout d) {
            out.put(path.isEmpty() ? "." : path, d.rng());
        }
        for (Map.Entry<String, Module> e : m.children().entrySet()) {
            collectRngs(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void closeAll(Map<String, Tensor> tensors) {
        if (tensors != null) {
            tensors.values().forEach(Tensor::close);
        }
    }

    /** One line per epoch: {@code epoch 3/10: train loss 0.3120 acc 91.20%, val loss ... (4.2 s)}. */
    static String describe(EpochRecord r, int epochs) {
        String s = String.format(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%%", r.epoch(), epochs,
                r.trainLoss(), 100 * r.trainAccuracy());
        if (r.hasValidation()) {
            s += String.format(Locale.ROOT, ", val loss %.4f acc %.2f%%", r.validationLoss(),
                    100 * r.validationAccuracy());
        }
        return s + String.format(Locale.ROOT, " (lr %.3g, %.1f s)", r.learningRate(), r.seconds());
    }
}

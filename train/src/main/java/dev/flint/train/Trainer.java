package dev.flint.train;

import dev.flint.data.Batch;
import dev.flint.data.DataLoader;
import dev.flint.loss.Loss;
import dev.flint.loss.Regularization;
import dev.flint.nn.Module;
import dev.flint.optim.GradClip;
import dev.flint.optim.Optimizer;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final Module model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final TrainerConfig config;
    private final List<Tensor> penalized;
    private String stopReason = "not started";

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
     */
    public History fit(DataLoader train, DataLoader validation) {
        EarlyStopping stopping = config.earlyStopping();
        if (stopping != null && validation == null) {
            throw new IllegalArgumentException("Trainer.fit: early stopping watches the validation loss, "
                    + "but no validation loader was given");
        }
        if (stopping != null) {
            stopping.reset();
        }
        History history = new History();
        Map<String, Tensor> best = null;
        stopReason = "finished " + config.epochs() + " epochs";
        for (TrainingListener l : config.listeners()) {
            l.onTrainStart(config.epochs(), train.batches());
        }
        try {
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                EpochRecord record = runEpoch(epoch, train, validation);
                history.add(record);
                LOG.info(describe(record, config.epochs()));
                for (TrainingListener l : config.listeners()) {
                    l.onEpochEnd(record);
                }
                if (config.scheduler() != null) {
                    config.scheduler().step();
                }
                if (Double.isNaN(record.trainLoss()) || Double.isInfinite(record.trainLoss())) {
                    stopReason = "training loss became " + record.trainLoss() + " in epoch " + epoch
                            + " (learning rate too high?)";
                    LOG.warn("flint: stopping: {}", stopReason);
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
                LOG.info("flint: restored the weights of epoch {} (validation loss {})", stopping.bestEpoch(),
                        String.format(Locale.ROOT, "%.4f", stopping.bestLoss()));
            }
        } finally {
            closeAll(best);
        }
        for (TrainingListener l : config.listeners()) {
            l.onTrainEnd(history, stopReason);
        }
        return history;
    }

    /** Why the last {@link #fit} ended: all epochs, early stopping, or a diverged loss. */
    public String stopReason() {
        return stopReason;
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
        double lossSum = 0;
        long right = 0;
        int seen = 0;
        int batchIndex = 0;
        List<Tensor> params = optimizer.parameters();
        // Epochs are 0-based in the loader: its shuffle order depends only on the seed and this number.
        for (Batch batch : train.epoch(epoch - 1)) {
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
                int n = batch.size();
                lossSum += (double) dataLoss.item() * n;
                right += Metrics.correct(out, batch.labels());
                seen += n;
            }
            batchIndex++;
            for (TrainingListener l : config.listeners()) {
                l.onBatchEnd(epoch, batchIndex, lossSum / seen, (double) right / seen);
            }
        }
        double trainLoss = lossSum / seen;
        double trainAccuracy = (double) right / seen;
        if (validation == null) {
            return EpochRecord.withoutValidation(epoch, trainLoss, trainAccuracy, lr, seconds(start));
        }
        Metrics.Evaluation v = Metrics.evaluate(model, validation, loss);
        return new EpochRecord(epoch, trainLoss, trainAccuracy, v.loss(), v.accuracy(), lr, seconds(start));
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

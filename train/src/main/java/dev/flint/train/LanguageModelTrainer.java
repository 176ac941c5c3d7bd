package dev.flint.train;

import dev.flint.autograd.GradMode;
import dev.flint.backend.Backend;
import dev.flint.data.text.TokenBatch;
import dev.flint.data.text.TokenWindows;
import dev.flint.nn.Module;
import dev.flint.optim.GradClip;
import dev.flint.optim.LrScheduler;
import dev.flint.optim.Optimizer;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of a language model, counted in iterations as nanoGPT's {@code train.py}: each
 * iteration sets the learning rate from the schedule, runs {@code gradAccumulation} micro-batches
 * (forward, loss divided by their number, backward: gradients add up), clips the global gradient norm,
 * and takes one optimizer step. Before iteration 0, every {@code evalInterval} iterations and after the last (as
 * nanoGPT), it measures the
 * loss on a fixed set of windows of each split. The model maps token ids INT32 {@code (B, T)} to logits
 * {@code (B, T, vocab)}; the loss is the mean cross-entropy against the next tokens.
 *
 * <pre>{@code
 * LanguageModelTrainer.Config cfg = LanguageModelTrainer.Config.builder()
 *         .iterations(2000).batchSize(12).evalInterval(250).build();
 * LanguageModelTrainer trainer = new LanguageModelTrainer(gpt, adamw, new WarmupCosineLR(adamw, 100, 2000, 1e-4f), cfg);
 * LanguageModelTrainer.Result r = trainer.fit(split, backend);
 * }</pre>
 *
 * <p>Memory: each micro-batch runs in a {@link Scope}, so its activations are freed after its backward
 * pass; the parameters, their gradients and the optimizer state live outside.
 */
public final class LanguageModelTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(LanguageModelTrainer.class);

    private final Module model;
    private final Optimizer optimizer;
    private final LrScheduler schedule;
    private final Config config;

    /**
     * @param model maps INT32 {@code (B, T)} to logits {@code (B, T, vocab)}
     * @param optimizer updates the model's parameters
     * @param schedule stepped once per iteration (after the optimizer step), or null for a constant rate
     */
    public LanguageModelTrainer(Module model, Optimizer optimizer, LrScheduler schedule, Config config) {
        this.model = Objects.requireNonNull(model, "model");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedule = schedule;
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Where training batches come from: the micro-batch {@code micro} of iteration {@code iteration}. */
    @FunctionalInterface
    public interface BatchSource {
        /** A batch the caller closes. */
        TokenBatch next(int iteration, int micro);
    }

    /** Hears what the trainer does (progress bars, logs); every method is optional. */
    public interface Listener {
        /** Training starts; {@code iterations} follow. */
        default void onStart(int iterations) {
        }

        /** Iteration {@code iteration} (0-based) took its step with {@code loss} at rate {@code lr}. */
        default void onIteration(int iteration, double loss, float lr, double seconds) {
        }

        /** An evaluation after {@code e.iteration()} steps. */
        default void onEvaluation(Evaluation e) {
        }

        /** Training ended. */
        default void onEnd(Result result) {
        }
    }

    /**
     * The mean loss over the fixed evaluation windows of each split after {@code iteration} optimizer steps.
     */
    public record Evaluation(int iteration, double trainLoss, double validationLoss, float lr, double seconds) {
    }

    /**
     * What a run produced.
     *
     * @param evaluations every evaluation, in order; the last is after the final step
     * @param losses the training loss of every iteration (the mean over its micro-batches)
     * @param stepSeconds the wall time of every iteration (forward, backward, clip, step)
     * @param stopReason why training ended
     */
    public record Result(List<Evaluation> evaluations, double[] losses, double[] stepSeconds, String stopReason) {
        /** The last evaluation. */
        public Evaluation last() {
            return evaluations.get(evaluations.size() - 1);
        }

        /** Median step time in seconds over the iterations after the first tenth (warm-up). */
        public double medianStepSeconds() {
            int from = stepSeconds.length / 10;
            double[] tail = Arrays.copyOfRange(stepSeconds, from, stepSeconds.length);
            Arrays.sort(tail);
            return tail.length == 0 ? Double.NaN : tail[tail.length / 2];
        }
    }

    /**
     * Trains on random windows of {@code split.train()} (offsets drawn from {@code config.seed()}, as
     * nanoGPT's {@code get_batch}), evaluating on both splits.
     */
    public Result fit(TokenWindows.Split split, Backend backend) {
        Rng rng = new Rng(config.seed());
        return fit((it, micro) -> split.train().randomBatch(config.batchSize(), rng, backend), split, backend);
    }

    /** Trains on the batches of {@code source}, evaluating on fixed windows of both parts of {@code split}. */
    public Result fit(BatchSource source, TokenWindows.Split split, Backend backend) {
        int iterations = config.iterations();
        int[] trainEval = split.train().evenlySpacedOffsets(config.evalWindows());
        int[] valEval = split.validation().evenlySpacedOffsets(config.evalWindows());
        List<Evaluation> evaluations = new ArrayList<>();
        double[] losses = new double[iterations];
        double[] seconds = new double[iterations];
        List<Tensor> params = optimizer.parameters();
        String stop = "finished " + iterations + " iterations";
        config.listeners().forEach(l -> l.onStart(iterations));
        long start = System.nanoTime();
        model.train();
        int done = 0;
        for (int it = 0; it < iterations; it++) {
            if (config.evalInterval() > 0 && it % config.evalInterval() == 0) {
                evaluations.add(evaluate(it, trainEval, valEval, split, backend, start));
            }
            float lr = optimizer.lr();
            long t0 = System.nanoTime();
            optimizer.zeroGrad();
            double lossSum = 0;
            int micros = config.gradAccumulation();
            for (int micro = 0; micro < micros; micro++) {
                try (TokenBatch batch = source.next(it, micro); Scope step = Scope.open()) {
                    Tensor loss = lossOf(batch);
                    // Gradients add up over the micro-batches: each carries 1/micros of the mean.
                    (micros == 1 ? loss : loss.div(micros)).backward();
                    lossSum += loss.item();
                }
            }
            if (config.gradClipNorm() > 0) {
                clip(params);
            }
            optimizer.step();
            if (schedule != null) {
                schedule.step();
            }
            seconds[it] = (System.nanoTime() - t0) / 1e9;
            losses[it] = lossSum / micros;
            done = it + 1;
            for (Listener l : config.listeners()) {
                l.onIteration(it, losses[it], lr, seconds[it]);
            }
            if (!Double.isFinite(losses[it])) {
                stop = "training loss became " + losses[it] + " at iteration " + it + " (learning rate too high?)";
                LOG.warn("flint: stopping: {}", stop);
                break;
            }
        }
        evaluations.add(evaluate(done, trainEval, valEval, split, backend, start));
        Result result = new Result(List.copyOf(evaluations), Arrays.copyOf(losses, done),
                Arrays.copyOf(seconds, done), stop);
        config.listeners().forEach(l -> l.onEnd(result));
        return result;
    }

    private void clip(List<Tensor> params) {
        try (Scope scope = Scope.open()) {
            // Whatever the clipping returns (the norm) is not needed here; the scope frees it if it is a tensor.
            GradClip.clipGradNorm(params, config.gradClipNorm());
        }
    }

    /** Mean cross-entropy of the model's next-token logits against the batch's targets. */
    public Tensor lossOf(TokenBatch batch) {
        Tensor logits = model.forward(batch.inputs());
        if (logits.rank() != 3 || logits.dim(0) != batch.size() || logits.dim(1) != batch.context()) {
            throw new IllegalStateException("LanguageModelTrainer: the model should map " + batch.inputs().shape()
                    + " to logits (B, T, vocab), got " + logits.shape());
        }
        return logits.reshape(-1, logits.dim(2)).crossEntropy(batch.targets().reshape(batch.targets().size()));
    }

    /**
     * Mean loss over the windows of {@code data} at {@code offsets}, in evaluation mode without a graph
     * (the mode is restored afterwards).
     */
    public double meanLoss(TokenWindows data, int[] offsets, Backend backend) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double total = 0;
        try (GradMode.Guard noGrad = GradMode.noGrad()) {
            for (int from = 0; from < offsets.length; from += config.batchSize()) {
                int n = Math.min(config.batchSize(), offsets.length - from);
                try (TokenBatch batch = data.batch(offsets, from, n, backend); Scope scope = Scope.open()) {
                    total += (double) lossOf(batch).item() * n;
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return total / offsets.length;
    }

    private Evaluation evaluate(int iteration, int[] trainEval, int[] valEval, TokenWindows.Split split,
                                Backend backend, long start) {
        double train = meanLoss(split.train(), trainEval, backend);
        double val = meanLoss(split.validation(), valEval, backend);
        Evaluation e = new Evaluation(iteration, train, val, optimizer.lr(), (System.nanoTime() - start) / 1e9);
        if (LOG.isDebugEnabled()) {
            LOG.debug(String.format(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f", iteration, train, val));
        }
        config.listeners().forEach(l -> l.onEvaluation(e));
        return e;
    }

    /**
     * How a {@link LanguageModelTrainer} trains. Made with {@link #builder()}.
     *
     * @param iterations optimizer steps
     * @param batchSize windows per micro-batch
     * @param gradAccumulation micro-batches per step (nanoGPT's {@code gradient_accumulation_steps})
     * @param gradClipNorm the largest global gradient norm, 0 for no clipping
     * @param evalInterval evaluate before iteration 0, every this many iterations and after the last; 0: only after
     *     the last
     * @param evalWindows windows of each split the evaluation averages over (fixed, evenly spaced)
     * @param seed draws the training windows in {@link #fit(TokenWindows.Split, Backend)}
     * @param listeners told of every iteration and evaluation
     */
    public record Config(int iterations, int batchSize, int gradAccumulation, float gradClipNorm, int evalInterval,
                         int evalWindows, long seed, List<Listener> listeners) {
        public Config {
            if (iterations < 1 || batchSize < 1 || gradAccumulation < 1 || evalWindows < 1 || evalInterval < 0) {
                throw new IllegalArgumentException("LanguageModelTrainer.Config: need iterations, batchSize, "
                        + "gradAccumulation, evalWindows >= 1 and evalInterval >= 0, got iterations=" + iterations
                        + " batchSize=" + batchSize + " gradAccumulation=" + gradAccumulation + " evalWindows="
                        + evalWindows + " evalInterval=" + evalInterval);
            }
            if (!(gradClipNorm >= 0f) || Float.isInfinite(gradClipNorm)) {
                throw new IllegalArgumentException("LanguageModelTrainer.Config: gradClipNorm must be finite and >= 0, got "
                        + gradClipNorm);
            }
            listeners = List.copyOf(listeners);
        }

        /** nanoGPT's defaults for its CPU run: 2,000 iterations of 12 windows, clipping at 1, 240 eval windows. */
        public static Builder builder() {
            return new Builder();
        }

        /** Options of a {@link Config}. */
        public static final class Builder {
            private int iterations = 2000;
            private int batchSize = 12;
            private int gradAccumulation = 1;
            private float gradClipNorm = 1f;
            private int evalInterval = 250;
            private int evalWindows = 240;
            private long seed = 1337;
            private final List<Listener> listeners = new ArrayList<>();

            private Builder() {
            }

            /** Optimizer steps (default 2000). */
            public Builder iterations(int n) {
                iterations = n;
                return this;
            }

            /** Windows per micro-batch (default 12). */
            public Builder batchSize(int n) {
                batchSize = n;
                return this;
            }

            /** Micro-batches per step (default 1). */
            public Builder gradAccumulation(int n) {
                gradAccumulation = n;
                return this;
            }

            /** Global gradient-norm limit, 0 for none (default 1). */
            public Builder gradClipNorm(float norm) {
                gradClipNorm = norm;
                return this;
            }

            /** Iterations between evaluations, 0 for only the final one (default 250). */
            public Builder evalInterval(int n) {
                evalInterval = n;
                return this;
            }

            /** Windows of each split per evaluation (default 240). */
            public Builder evalWindows(int n) {
                evalWindows = n;
                return this;
            }

            /** Seed of the training windows (default 1337, nanoGPT's). */
            public Builder seed(long s) {
                seed = s;
                return this;
            }

            /** Adds a listener. */
            public Builder listener(Listener l) {
                listeners.add(Objects.requireNonNull(l, "listener"));
                return this;
            }

            /** The configuration. */
            public Config build() {
                return new Config(iterations, batchSize, gradAccumulation, gradClipNorm, evalInterval, evalWindows,
                        seed, listeners);
            }
        }
    }
}

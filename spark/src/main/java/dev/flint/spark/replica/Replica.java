package dev.flint.spark.replica;

import dev.flint.loss.Loss;
import dev.flint.loss.Regularization;
import dev.flint.nn.Module;
import dev.flint.optim.GradClip;
import dev.flint.optim.Optimizer;
import dev.flint.spark.ring.Ring;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import dev.flint.train.Metrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One data-parallel replica: every step, forward and backward on this worker's slice of the global
 * batch, the gradients flattened into one buffer and averaged over the ring, then the same optimizer step
 * as on every other replica. Identical starting weights and bitwise identical averaged gradients keep the
 * weights identical, which {@link ReplicaSettings#checksumEvery()} checks.
 *
 * <pre>{@code
 * Replica replica = new Replica(model, optimizer, new CrossEntropyLoss(), ring, settings);
 * EpochStats stats = replica.trainEpoch(shard, epoch, Replica.StepHook.NONE);
 * }</pre>
 *
 * <p>With a mean-reduced loss and equal local batches, the average of the replicas' gradients is the
 * gradient of the whole global batch: N workers on {@code B / N} samples each take the same steps as one
 * worker on all {@code B} (up to float rounding; {@code ReplicaTest} and {@code SparkTrainerTest} measure
 * it).
 *
 * <p>One buffer rather than buckets: buckets pay off when the reduction of early buckets overlaps the
 * rest of the backward pass, and Flint's backward is one call that returns when every gradient is ready;
 * without that overlap, buckets only add a round of ring latency each.
 */
public final class Replica {

    /** Called before each step; the Spark glue uses it for task-kill checks and fault injection in tests. */
    @FunctionalInterface
    public interface StepHook {
        /** Does nothing. */
        StepHook NONE = (epoch, step) -> { };

        /** Called before step {@code step} (0-based) of {@code epoch} (0-based). */
        void beforeStep(int epoch, int step);
    }

    private final Module model;
    private final Optimizer optimizer;
    private final Loss loss;
    private final Ring ring;
    private final ReplicaSettings settings;
    private final List<Tensor> params;
    private final List<Tensor> penalized = new ArrayList<>();
    private final float[] flat;

    /**
     * A replica of {@code model} trained by {@code optimizer} (which must update exactly the model's
     * parameters, in the order of {@link Module#parameters()}).
     *
     * @throws IllegalArgumentException when the optimizer's parameters are not the model's, or the global
     *     batch does not split evenly over the ring's workers
     */
    public Replica(Module model, Optimizer optimizer, Loss loss, Ring ring, ReplicaSettings settings) {
        this.model = Objects.requireNonNull(model, "model");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.loss = Objects.requireNonNull(loss, "loss");
        this.ring = Objects.requireNonNull(ring, "ring");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.params = model.parameters();
        List<Tensor> optimized = optimizer.parameters();
        boolean same = optimized.size() == params.size();
        for (int i = 0; same && i < params.size(); i++) {
            same = optimized.get(i) == params.get(i);
        }
        if (!same) {
            throw new IllegalArgumentException("Replica: the optimizer must update the model's " + params.size()
                    + " parameters in the model's order, it has " + optimized.size());
        }
        if (settings.globalBatch() % ring.size() != 0) {
            throw new IllegalArgumentException("Replica: a global batch of " + settings.globalBatch() + " does not split "
                    + "evenly over " + ring.size() + " workers; use a multiple of " + ring.size());
        }
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            // As Trainer: penalties shrink weights, not biases.
            if (e.getKey().equals("weight") || e.getKey().endsWith(".weight")) {
                penalized.add(e.getValue());
            }
        }
        if ((settings.l2() > 0 || settings.l1() > 0) && penalized.isEmpty()) {
            throw new IllegalArgumentException("Replica: an L2/L1 penalty was asked for, but the model has no parameter "
                    + "named '*weight' (has " + model.namedParameters().keySet() + ")");
        }
        long total = model.parameterCount();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Replica: " + total + " parameters do not fit one Java array");
        }
        this.flat = new float[(int) total];
    }

    /**
     * The ring layout of {@code model}: its parameter count, names and shapes. Replicas whose layouts
     * differ refuse to connect ({@link Ring.Options#layout()}).
     */
    public static String layout(Module model) {
        // Names first and the count last, so the first difference between two layouts names a parameter.
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            sb.append(e.getKey()).append(' ').append(e.getValue().shape()).append(", ");
        }
        return sb.append(model.parameterCount()).append(" floats").toString();
    }

    /** Samples each worker trains on per step. */
    public int localBatch() {
        return settings.globalBatch() / ring.size();
    }

    /**
     * Trains one epoch ({@code epoch} is 0-based) on {@code shard}: as many steps as the smallest shard of
     * any worker allows ({@code min(shard sizes) / localBatch()}, the rest of each shard left out, as with
     * {@code dropLast}), in the shard's seeded {@link Shard#order order} for this epoch and rank.
     *
     * @throws IllegalArgumentException when some worker's shard holds fewer samples than one local batch
     * @throws ReplicasDivergedException when the replicas' weights differ at a checksum
     * @throws dev.flint.spark.ring.RingException when another worker fails or misses a deadline
     */
    public EpochStats trainEpoch(Shard shard, int epoch, StepHook hook) {
        int local = localBatch();
        long[] sizes = ring.allGather(shard.size());
        long smallest = Arrays.stream(sizes).min().orElseThrow();
        if (smallest < local) {
            int r = 0;
            while (sizes[r] != smallest) {
                r++;
            }
            throw new IllegalArgumentException("Replica: the shard of rank " + r + " holds " + smallest + " samples, fewer "
                    + "than one local batch of " + local + " (global batch " + settings.globalBatch() + " over "
                    + ring.size() + " workers); shard sizes by rank: " + Arrays.toString(sizes));
        }
        int steps = (int) (smallest / local);
        int[] order = shard.order(settings.seed(), epoch, ring.rank());
        int sampleSize = shard.sampleSize();
        float[] x = new float[local * sampleSize];
        int[] y = new int[local];
        int[] sampleShape = shard.sampleShape();
        int[] dims = new int[sampleShape.length + 1];
        dims[0] = local;
        System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        model.train();
        for (int step = 0; step < steps; step++) {
            hook.beforeStep(epoch, step);
            shard.gather(order, step * local, local, x, 0, y, 0);
            try (Scope scope = Scope.open()) {
                optimizer.zeroGrad();
                Tensor features = Tensors.floats(x, dims, params.get(0).backend());
                Tensor labels = Tensors.ints(y, params.get(0).backend());
                Tensor out = model.forward(features);
                Tensor dataLoss = loss.compute(out, labels);
                Tensor total = dataLoss;
                if (settings.l2() > 0) {
                    total = total.add(Regularization.l2(penalized, settings.l2()));
                }
                if (settings.l1() > 0) {
                    total = total.add(Regularization.l1(penalized, settings.l1()));
                }
                total.backward();
                averageGradients();
                if (settings.gradClipNorm() > 0) {
                    GradClip.clipGradNorm(params, settings.gradClipNorm());
                }
                optimizer.step();
                lossSum += (double) dataLoss.item() * local;
                correct += Metrics.correct(out, labels);
                seen += local;
            }
            if (settings.checksumEvery() > 0 && (step + 1) % settings.checksumEvery() == 0 && step + 1 < steps) {
                verifyIdentical(epoch, step + 1);
            }
        }
        long checksum = verifyIdentical(epoch, steps);
        return new EpochStats(lossSum, correct, seen, steps, checksum);
    }

    /** Replaces every gradient with its mean over the workers, through one flat buffer. */
    private void averageGradients() {
        if (ring.size() == 1) {
            return;
        }
        int offset = 0;
        for (Tensor p : params) {
            Tensor g = p.grad();
            int n = p.size();
            if (g == null) {
                // A parameter the loss does not reach: it contributes zeros, like everyone else's.
                Arrays.fill(flat, offset, offset + n, 0f);
            } else {
                g.backend().download(g.storage(), 0, flat, offset, n);
            }
            offset += n;
        }
        ring.allReduceMean(flat, 0, flat.length);
        offset = 0;
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g == null) {
                g = Tensors.zerosLike(p);
                p.setGrad(g);
            }
            g.backend().upload(flat, offset, g.mutableStorage(), 0, p.size());
            offset += p.size();
        }
    }

    private long verifyIdentical(int epoch, int step) {
        long mine = checksum(params);
        long[] all = ring.allGather(mine);
        for (long c : all) {
            if (c != mine) {
                throw new ReplicasDivergedException("after step " + step + " of epoch " + (epoch + 1) + " the replicas' "
                        + "weights differ (checksums by rank: " + hex(all) + "): non-deterministic model code, or "
                        + "replicas built differently?");
            }
        }
        return mine;
    }

    /** A 64-bit FNV-1a hash of the exact bits of every value of {@code tensors}, in order. */
    public static long checksum(Collection<Tensor> tensors) {
        long h = 0xcbf29ce484222325L;
        for (Tensor t : tensors) {
            for (float v : t.toFloatArray()) {
                int bits = Float.floatToRawIntBits(v);
                for (int b = 0; b < 4; b++) {
                    h ^= (bits >>> (8 * b)) & 0xff;
                    h *= 0x100000001b3L;
                }
            }
        }
        return h;
    }

    private static String hex(long[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%016x", values[i]));
        }
        return sb.append(']').toString();
    }
}

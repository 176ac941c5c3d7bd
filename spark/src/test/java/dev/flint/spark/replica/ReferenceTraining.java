package dev.flint.spark.replica;

import dev.flint.loss.Loss;
import dev.flint.nn.Module;
import dev.flint.optim.GradClip;
import dev.flint.optim.Optimizer;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The oracle of the equivalence tests: ONE model trained on the whole global batch per step, where the
 * global batch of step s is the concatenation, in rank order, of what each replica takes at step s (the
 * same {@link Shard#order}). Data-parallel training must reach the same weights up to float rounding.
 */
public final class ReferenceTraining {
    private ReferenceTraining() {
    }

    /** Trains {@code model} for {@code epochs} epochs as {@code shards.size()} replicas would together. */
    public static void train(Module model, Optimizer optimizer, Loss loss, List<Shard> shards, ReplicaSettings settings,
                             int firstEpoch, int epochs) {
        int world = shards.size();
        int local = settings.globalBatch() / world;
        int steps = shards.stream().mapToInt(Shard::size).min().orElseThrow() / local;
        int sampleSize = shards.get(0).sampleSize();
        int[] shape = shards.get(0).sampleShape();
        int[] dims = new int[shape.length + 1];
        dims[0] = settings.globalBatch();
        System.arraycopy(shape, 0, dims, 1, shape.length);
        float[] x = new float[settings.globalBatch() * sampleSize];
        int[] y = new int[settings.globalBatch()];
        List<Tensor> params = model.parameters();
        model.train();
        for (int epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++) {
            int[][] orders = new int[world][];
            for (int r = 0; r < world; r++) {
                orders[r] = shards.get(r).order(settings.seed(), epoch, r);
            }
            for (int step = 0; step < steps; step++) {
                for (int r = 0; r < world; r++) {
                    shards.get(r).gather(orders[r], step * local, local, x, r * local * sampleSize, y, r * local);
                }
                try (Scope scope = Scope.open()) {
                    optimizer.zeroGrad();
                    Tensor out = model.forward(Tensors.floats(x, dims, params.get(0).backend()));
                    loss.compute(out, Tensors.ints(y, params.get(0).backend())).backward();
                    if (settings.gradClipNorm() > 0) {
                        GradClip.clipGradNorm(params, settings.gradClipNorm());
                    }
                    optimizer.step();
                }
            }
        }
    }

    /** The largest absolute difference between two models' parameters, and where. */
    public static String maxDifference(Module a, Module b, double[] worst) {
        double max = 0;
        String where = "nowhere";
        List<Tensor> pa = a.parameters();
        List<Tensor> pb = b.parameters();
        for (int i = 0; i < pa.size(); i++) {
            float[] va = pa.get(i).toFloatArray();
            float[] vb = pb.get(i).toFloatArray();
            for (int j = 0; j < va.length; j++) {
                double d = Math.abs((double) va[j] - vb[j]);
                if (d > max) {
                    max = d;
                    where = "parameter " + i + " " + pa.get(i).shape() + " element " + j + ": " + va[j] + " vs " + vb[j];
                }
            }
        }
        worst[0] = max;
        return where;
    }

    /** Random samples of {@code sampleShape} with labels below {@code classes}, from {@code seed}. */
    public static Shard randomShard(int samples, int[] sampleShape, int classes, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int size = Arrays.stream(sampleShape).reduce(1, (p, d) -> p * d);
        float[] x = new float[samples * size];
        int[] y = new int[samples];
        for (int i = 0; i < samples; i++) {
            y[i] = random.nextInt(classes);
            for (int j = 0; j < size; j++) {
                // Class-dependent mean, so the model has something to learn.
                x[i * size + j] = (float) (random.nextGaussian() + (j % classes == y[i] ? 1.0 : 0.0));
            }
        }
        return new Shard(x, y, sampleShape);
    }
}

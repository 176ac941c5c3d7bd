package dev.flint.train;

import dev.flint.data.ArrayDataset;
import dev.flint.data.DataLoader;
import dev.flint.data.Dataset;
import dev.flint.nn.Linear;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.tensor.Rng;

/** Small synthetic classification problems for the training tests. */
final class Synthetic {
    private Synthetic() {
    }

    /**
     * {@code n} 2-D points in three Gaussian blobs (standard deviation 0.5) centred on the corners of a
     * triangle of side about 3.5: the Bayes accuracy is above 99%.
     */
    static Dataset blobs(int n, long seed) {
        float[][] centres = {{0f, 2f}, {-1.75f, -1f}, {1.75f, -1f}};
        Rng rng = new Rng(seed);
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            y[i] = c;
            x[2 * i] = centres[c][0] + 0.5f * rng.nextGaussian();
            x[2 * i + 1] = centres[c][1] + 0.5f * rng.nextGaussian();
        }
        return new ArrayDataset(x, y, 3, 2);
    }

    /** {@code n} random points with random labels: nothing to learn, so a model can only memorise. */
    static Dataset noise(int n, int features, int classes, long seed) {
        Rng rng = new Rng(seed);
        float[] x = new float[n * features];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(classes);
        }
        return new ArrayDataset(x, y, classes, features);
    }

    static DataLoader loader(Dataset d, int batchSize, boolean shuffle) {
        return DataLoader.builder(d).batchSize(batchSize).shuffle(shuffle).seed(7).build();
    }

    /** in -> hidden -> classes, ReLU. */
    static Sequential mlp(int in, int hidden, int classes, long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(in, hidden, rng), new ReLU(), new Linear(hidden, classes, rng));
    }
}

package dev.flint.data;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cuts a {@link Dataset} into mini-batches of tensors, one epoch per iteration: {@code for (Batch b :
 * loader)} walks one epoch, and the next {@code for} walks the next one. With shuffling, every epoch
 * visits the samples in a new random order that is determined by the seed and the epoch number alone,
 * so a run can be repeated exactly (and epoch 7 reproduced without replaying epochs 0-6).
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder(EmbeddedMnist.train())
 *         .batchSize(64).shuffle(true).seed(42).backend(Backends.get("cpu")).build();
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     for (Batch batch : loader) {               // features (64, 1, 28, 28), labels (64)
 *         try (batch) { ... }
 *     }
 * }
 * }</pre>
 *
 * <p>Every sample appears exactly once per epoch. The last batch holds the remainder
 * ({@code size % batchSize} samples) unless {@code dropLast} is set, which leaves those samples out
 * of the epoch so every batch has the same size (with shuffling, different ones each epoch). The host
 * arrays that batches are assembled in are allocated once per loader and reused by every epoch that
 * runs to its end (one abandoned half-way keeps its arrays, and the next epoch makes new ones); the
 * tensors are new for every batch and belong to the caller (see {@link Batch}).
 *
 * <p>A loader can be iterated from several threads at once (each iteration gets its own buffers),
 * though a training loop normally uses one.
 */
public final class DataLoader implements Iterable<Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Backend backend;
    private final AtomicInteger nextEpoch = new AtomicInteger();
    /** Host buffers of a finished iteration, lent to the next one so epochs allocate nothing. */
    private final AtomicReference<Buffers> idleBuffers = new AtomicReference<>();

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.backend = b.backend != null ? b.backend : Backends.defaultBackend();
        if (batches() == 0) {
            throw new IllegalArgumentException("DataLoader: " + dataset.size() + " samples with batch size "
                    + batchSize + (dropLast ? " and dropLast" : "") + " make no batch");
        }
    }

    /** A builder for a loader over {@code dataset}: batch size 32, no shuffling, keep the last batch. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Options of a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 32;
        private boolean shuffle;
        private long seed;
        private boolean dropLast;
        private Backend backend;

        private Builder(Dataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("DataLoader: dataset is null");
            }
            this.dataset = dataset;
        }

        /** Samples per batch, at least 1 (default 32). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("DataLoader: batchSize must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch visits the samples in a new random order (default false: dataset order). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seed of the shuffling (default 0); epoch {@code e}'s order depends only on it and {@code e}. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether to drop the last batch when it is smaller than the batch size (default false). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Backend the batch tensors are created on (default {@link Backends#defaultBackend()}). */
        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        /**
         * The loader.
         *
         * @throws IllegalArgumentException when the options leave no batch (an empty dataset, or
         *     {@code dropLast} with fewer samples than one batch)
         */
        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    /** The dataset batches are drawn from. */
    public Dataset dataset() {
        return dataset;
    }

    /** Samples per batch (the last batch may hold fewer unless {@code dropLast}). */
    public int batchSize() {
        return batchSize;
    }

    /** The backend batch tensors are created on. */
    public Backend backend() {
        return backend;
    }

    /** Number of batches in one epoch. */
    public int batches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Number of samples one epoch visits ({@code size}, less the dropped remainder with {@code dropLast}). */
    public int samplesPerEpoch() {
        return dropLast ? batches() * batchSize : dataset.size();
    }

    /**
     * The order in which epoch {@code epoch} (0-based) visits the dataset: a permutation of
     * {@code 0 .. size-1}, identity without shuffling. Batch {@code k} holds entries
     * {@code [k * batchSize, (k + 1) * batchSize)}.
     */
    public int[] order(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader: epoch must be at least 0, got " + epoch);
        }
        int n = dataset.size();
        if (shuffle) {
            return Permutations.random(n, Permutations.derive(seed, epoch));
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** The batches of epoch {@code epoch} (0-based), independent of how many epochs were iterated. */
    public Iterable<Batch> epoch(int epoch) {
        int[] order = order(epoch);
        return () -> new BatchIterator(order);
    }

    /**
     * The batches of the next epoch: the first call iterates epoch 0, the next epoch 1, and so on
     * (as PyTorch's {@code DataLoader} reshuffles on every {@code iter}).
     */
    @Override
    public Iterator<Batch> iterator() {
        return new BatchIterator(order(nextEpoch.getAndIncrement()));
    }

    /** Number of epochs {@link #iterator()} has started. */
    public int epochsStarted() {
        return nextEpoch.get();
    }

    @Override
    public String toString() {
        return "DataLoader(" + dataset.size() + " samples, batch " + batchSize + ", " + batches() + " batches"
                + (shuffle ? ", shuffled with seed " + seed : "") + (dropLast ? ", drop last" : "") + ", on '"
                + backend.name() + "')";
    }

    /** Host arrays for full batches and, made when first needed, for the smaller last batch. */
    private static final class Buffers {
        final float[] features;
        final int[] labels;
        float[] lastFeatures;
        int[] lastLabels;

        Buffers(int batchSize, int sampleSize) {
            features = new float[batchSize * sampleSize];
            labels = new int[batchSize];
        }
    }

    private final class BatchIterator implements Iterator<Batch> {
        private final int[] order;
        private final int batchCount = batches();
        private final int sampleSize = dataset.sampleSize();
        private final int[] sampleDims = dataset.sampleShape().dims();
        private Buffers buffers;
        private int next;

        BatchIterator(int[] order) {
            this.order = order;
            Buffers idle = idleBuffers.getAndSet(null);
            buffers = idle != null ? idle : new Buffers(batchSize, sampleSize);
        }

        @Override
        public boolean hasNext() {
            return next < batchCount;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("DataLoader: epoch has " + batchCount + " batches, all taken");
            }
            int start = next * batchSize;
            int count = Math.min(batchSize, order.length - start);
            float[] features;
            int[] labels;
            if (count == batchSize) {
                features = buffers.features;
                labels = buffers.labels;
            } else {
                // fromFloats takes whole arrays, so the smaller last batch has arrays of its own size.
                if (buffers.lastLabels == null || buffers.lastLabels.length != count) {
                    buffers.lastFeatures = new float[count * sampleSize];
                    buffers.lastLabels = new int[count];
                }
                features = buffers.lastFeatures;
                labels = buffers.lastLabels;
            }
            for (int i = 0; i < count; i++) {
                labels[i] = dataset.copySample(order[start + i], features, i * sampleSize);
            }
            int[] dims = new int[sampleDims.length + 1];
            dims[0] = count;
            System.arraycopy(sampleDims, 0, dims, 1, sampleDims.length);
            Tensor x = Tensor.on(backend).fromFloats(features, Shape.of(dims));
            Tensor y;
            try {
                y = Tensor.on(backend).fromInts(labels, Shape.of(count));
            } catch (RuntimeException e) {
                x.close();
                throw e;
            }
            next++;
            if (next == batchCount) {
                // Uploads copied the arrays, so the next epoch may refill them.
                idleBuffers.set(buffers);
            }
            return new Batch(x, y);
        }
    }
}

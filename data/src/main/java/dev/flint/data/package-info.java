/**
 * Data for training: {@link dev.flint.data.Dataset} (indexed, labelled samples on the host) with its
 * in-memory forms {@link dev.flint.data.ArrayDataset} and {@link dev.flint.data.ByteImageDataset};
 * {@link dev.flint.data.Datasets} for subsets and train/validation splits; {@link dev.flint.data.DataLoader},
 * which turns a dataset into mini-batches of tensors ({@link dev.flint.data.Batch}) with seeded
 * shuffling; the MNIST IDX reader ({@link dev.flint.data.Idx}, {@link dev.flint.data.Mnist}) and a
 * small MNIST subset inside the jar ({@link dev.flint.data.EmbeddedMnist}).
 *
 * <pre>{@code
 * Datasets.Split split = Datasets.split(EmbeddedMnist.train(), 0.1, 42, true);
 * DataLoader train = DataLoader.builder(split.train()).batchSize(64).shuffle(true).seed(42).build();
 * for (Batch b : train) { try (b) { ... } }
 * }</pre>
 *
 * <p>Datasets stay on the host and know nothing of backends; only the loader creates tensors. Every
 * random choice (shuffles, splits, subsets) follows from a seed alone, through one generator written
 * out in this package, so results repeat across machines and JDKs.
 */
package dev.flint.data;

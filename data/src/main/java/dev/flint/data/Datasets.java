package dev.flint.data;

import java.util.Arrays;

/**
 * Operations on datasets: subsets, train/validation splits (plain or stratified), class-balanced
 * samples and class counts. Results are views that share the source's samples; nothing is copied.
 *
 * <pre>{@code
 * Datasets.Split s = Datasets.split(EmbeddedMnist.train(), 0.1, 42, true);  // 9,000 / 1,000, by class
 * Dataset small = Datasets.balancedSubset(s.train(), 50, 7);                // 50 images per digit
 * }</pre>
 *
 * <p>Every random choice is determined by the seed alone (the same seed gives the same split on
 * every machine and JDK); the samples of each part keep their source order.
 */
public final class Datasets {
    private Datasets() {
    }

    /** A training part and a validation part of one dataset; disjoint, together the whole. */
    public record Split(Dataset train, Dataset validation) {
    }

    /**
     * The samples at {@code indices}, in that order (repeats allowed).
     *
     * @throws IndexOutOfBoundsException naming the first index outside {@code [0, source.size())}
     */
    public static Dataset subset(Dataset source, int... indices) {
        return new Subset(source, indices);
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive), in order. */
    public static Dataset range(Dataset source, int from, int to) {
        if (from < 0 || to > source.size() || from > to) {
            throw new IndexOutOfBoundsException("range: [" + from + ", " + to + ") is not within [0, "
                    + source.size() + ")");
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return new Subset(source, idx);
    }

    /**
     * A random split, not stratified: {@code round(size * validationFraction)} samples go to validation.
     * Same as {@link #split(Dataset, double, long, boolean) split(source, validationFraction, seed, false)}.
     */
    public static Split split(Dataset source, double validationFraction, long seed) {
        return split(source, validationFraction, seed, false);
    }

    /**
     * Splits {@code source} into training and validation parts. Stratified, each class is split on its
     * own ({@code round(classCount * validationFraction)} of it to validation), so both parts keep the
     * class proportions; otherwise {@code round(size * validationFraction)} samples chosen at random go
     * to validation.
     *
     * @param validationFraction strictly between 0 and 1
     * @throws IllegalArgumentException when the fraction is out of range or leaves a part empty
     */
    public static Split split(Dataset source, double validationFraction, long seed, boolean stratified) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("split: validationFraction must be strictly between 0 and 1, got "
                    + validationFraction);
        }
        int n = source.size();
        boolean[] toValidation = new boolean[n];
        if (stratified) {
            int[][] byClass = indicesByClass(source);
            for (int c = 0; c < byClass.length; c++) {
                int[] members = byClass[c];
                Permutations.shuffle(members, Permutations.derive(seed, c));
                int take = (int) Math.round(members.length * validationFraction);
                for (int i = 0; i < take; i++) {
                    toValidation[members[i]] = true;
                }
            }
        } else {
            int[] order = Permutations.random(n, seed);
            int take = (int) Math.round(n * validationFraction);
            for (int i = 0; i < take; i++) {
                toValidation[order[i]] = true;
            }
        }
        int validationCount = 0;
        for (boolean v : toValidation) {
            validationCount += v ? 1 : 0;
        }
        if (validationCount == 0 || validationCount == n) {
            throw new IllegalArgumentException("split: a validation fraction of " + validationFraction + " of "
                    + n + " samples" + (stratified ? " (per class)" : "") + " gives " + validationCount
                    + " validation and " + (n - validationCount) + " training samples; both must be non-empty");
        }
        int[] train = new int[n - validationCount];
        int[] validation = new int[validationCount];
        int t = 0;
        int v = 0;
        for (int i = 0; i < n; i++) {
            if (toValidation[i]) {
                validation[v++] = i;
            } else {
                train[t++] = i;
            }
        }
        return new Split(new Subset(source, train), new Subset(source, validation));
    }

    /**
     * {@code perClass} samples of every class, chosen at random by {@code seed}, in source order:
     * a small balanced training set (for example to show overfitting).
     *
     * @throws IllegalArgumentException naming the first class with fewer than {@code perClass} samples
     */
    public static Dataset balancedSubset(Dataset source, int perClass, long seed) {
        return new Subset(source, balancedIndices(source, perClass, seed));
    }

    /** The source indices {@link #balancedSubset} picks, ascending. */
    public static int[] balancedIndices(Dataset source, int perClass, long seed) {
        if (perClass < 1) {
            throw new IllegalArgumentException("balancedSubset: perClass must be at least 1, got " + perClass);
        }
        int[][] byClass = indicesByClass(source);
        int[] chosen = new int[perClass * byClass.length];
        for (int c = 0; c < byClass.length; c++) {
            int[] members = byClass[c];
            if (members.length < perClass) {
                throw new IllegalArgumentException("balancedSubset: class " + c + " has " + members.length
                        + " samples, " + perClass + " requested");
            }
            Permutations.shuffle(members, Permutations.derive(seed, c));
            System.arraycopy(members, 0, chosen, c * perClass, perClass);
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /** Number of samples of each class, indexed by label. */
    public static int[] classCounts(Dataset source) {
        int[] counts = new int[source.numClasses()];
        for (int i = 0; i < source.size(); i++) {
            counts[source.label(i)]++;
        }
        return counts;
    }

    /** All labels, in order. */
    public static int[] labels(Dataset source) {
        int[] labels = new int[source.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = source.label(i);
        }
        return labels;
    }

    /** For each class, the indices of its samples in ascending order. */
    private static int[][] indicesByClass(Dataset source) {
        int[] counts = classCounts(source);
        int[][] byClass = new int[counts.length][];
        for (int c = 0; c < counts.length; c++) {
            byClass[c] = new int[counts[c]];
        }
        int[] fill = new int[counts.length];
        for (int i = 0; i < source.size(); i++) {
            int c = source.label(i);
            byClass[c][fill[c]++] = i;
        }
        return byClass;
    }
}

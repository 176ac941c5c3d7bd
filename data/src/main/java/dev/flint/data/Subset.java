package dev.flint.data;

import dev.flint.tensor.Shape;

/** A view of some samples of another dataset, in a given order; made by {@link Datasets#subset}. */
final class Subset implements Dataset {
    private final Dataset source;
    private final int[] indices;

    Subset(Dataset source, int[] indices) {
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= source.size()) {
                throw new IndexOutOfBoundsException("subset: index " + indices[i] + " at position " + i
                        + " is outside [0, " + source.size() + ")");
            }
        }
        this.source = source;
        this.indices = indices.clone();
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Shape sampleShape() {
        return source.sampleShape();
    }

    @Override
    public int sampleSize() {
        return source.sampleSize();
    }

    @Override
    public int numClasses() {
        return source.numClasses();
    }

    @Override
    public int label(int index) {
        return source.label(indices[index]);
    }

    @Override
    public int copySample(int index, float[] dst, int offset) {
        return source.copySample(indices[index], dst, offset);
    }

    /** The source index of each sample (a copy). */
    int[] indices() {
        return indices.clone();
    }

    @Override
    public String toString() {
        return "Subset(" + indices.length + " of " + source + ")";
    }
}

package dev.flint.backend;


/**
 * A flat, contiguous buffer of {@link #size()} elements of one {@link DType}, owned by one
 * {@link Backend}. Storage is reference counted: tensors that view the same buffer (reshape)
 * retain it, and the buffer is freed when the last holder releases it.
 *
 * <p>Backends subclass {@link AbstractStorage}; the front end never looks inside.
 */
public interface Storage {
    /** The backend that owns this buffer. */
    Backend backend();

    /** Element type. */
    DType dtype();

    /** Number of elements. */
    int size();

    /** Adds a holder. Throws if the buffer has already been freed. */
    void retain();

    /** Drops a holder; the last release frees the buffer. Extra releases are ignored. */
    void release();

    /** Whether the buffer has been freed. */
    boolean isReleased();
}

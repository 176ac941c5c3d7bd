package dev.flint.backend;


/** Reference counting shared by every backend's storage; subclasses free memory in {@link #free()}. */
public abstract class AbstractStorage implements Storage {
    private final Backend backend;
    private final DType dtype;
    private final int size;
    private int refs = 1;

    protected AbstractStorage(Backend backend, DType dtype, int size) {
        this.backend = backend;
        this.dtype = dtype;
        this.size = size;
    }

    @Override
    public final Backend backend() {
        return backend;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final synchronized void retain() {
        if (refs <= 0) {
            throw new IllegalStateException("storage of " + size + " " + dtype + " on '" + backend.name()
                    + "' was already freed");
        }
        refs++;
    }

    @Override
    public final void release() {
        boolean last;
        synchronized (this) {
            if (refs <= 0) {
                return;
            }
            refs--;
            last = refs == 0;
        }
        if (last) {
            free();
        }
    }

    /** How many holders the buffer has (tensors viewing it); 0 once it has been freed. */
    public final synchronized int holders() {
        return Math.max(refs, 0);
    }

    @Override
    public final synchronized boolean isReleased() {
        return refs <= 0;
    }

    /** Returns the memory to the backend. Called exactly once. */
    protected abstract void free();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + size + " x " + dtype + " on " + backend.name() + "]";
    }
}

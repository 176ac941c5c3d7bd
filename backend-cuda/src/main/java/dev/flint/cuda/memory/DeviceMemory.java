package dev.flint.cuda.memory;

/**
 * The raw device memory a {@link CachingAllocator} draws on: the CUDA context in production, a fake in
 * the allocator's tests (which run without a GPU).
 *
 * @param <B> the block type
 */
public interface DeviceMemory<B> {

    /**
     * A fresh block of exactly {@code bytes}.
     *
     * @throws OutOfDeviceMemoryException when the device has no room (other failures propagate as they are)
     */
    B allocate(long bytes);

    /** Returns a block to the device. */
    void free(B block);

    /** Waits until no queued work can still touch any block (before blocks go back to the device). */
    void synchronize();

    /** Free and total bytes on the device, or {@code null} when unknown; only for error messages. */
    long[] deviceMemoryInfo();

    /** Thrown by {@link #allocate} when the device is out of memory. */
    final class OutOfDeviceMemoryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public OutOfDeviceMemoryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

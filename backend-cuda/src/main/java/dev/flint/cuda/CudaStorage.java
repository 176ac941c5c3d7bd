package dev.flint.cuda;

import dev.flint.backend.AbstractStorage;
import dev.flint.cuda.driver.DeviceBuffer;
import dev.flint.backend.DType;

/** Device storage of the CUDA backend: a block of its caching allocator, returned to the pool on free. */
final class CudaStorage extends AbstractStorage {
    private final CudaBackend owner;
    private final DeviceBuffer block;

    CudaStorage(CudaBackend owner, DType dtype, int size, DeviceBuffer block) {
        super(owner, dtype, size);
        this.owner = owner;
        this.block = block;
    }

    /** The device block; throws once the storage has been released. */
    DeviceBuffer buffer() {
        if (isReleased()) {
            throw new IllegalStateException("cuda: " + this + " used after it was released");
        }
        return block;
    }

    CudaBackend owner() {
        return owner;
    }

    @Override
    protected void free() {
        owner.releaseBlock(block);
    }
}

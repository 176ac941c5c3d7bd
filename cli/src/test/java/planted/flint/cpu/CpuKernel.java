package planted.flint.cpu;

import planted.flint.tensor.Tensor;

/** Planted: a backend imports more than the SPI. */
public class CpuKernel {
    public Tensor input;
}

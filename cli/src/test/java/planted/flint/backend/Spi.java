package planted.flint.backend;

import planted.flint.tensor.Tensor;

/** Planted: the SPI imports the tensor front end. */
public interface Spi {
    void run(Tensor t);
}

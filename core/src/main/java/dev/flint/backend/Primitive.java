package dev.flint.backend;

/**
 * The closed list of {@link Backend} primitives, one entry per SPI method family. The conformance
 * suite declares which primitive each test covers, and a test fails the build when one is missing.
 */
public enum Primitive {
    ALLOCATE, UPLOAD, DOWNLOAD, FILL, COPY_BLOCKS, PERMUTE, CAST,
    GEMM,
    UNARY, UNARY_BACKWARD, BINARY,
    REDUCE, ARGMAX,
    SOFTMAX_FORWARD, SOFTMAX_BACKWARD,
    SOFTMAX_CROSS_ENTROPY_FORWARD, SOFTMAX_CROSS_ENTROPY_BACKWARD,
    ONE_HOT, GATHER_ROWS, SCATTER_ADD_ROWS,
    CONV2D_FORWARD, CONV2D_BACKWARD_DATA, CONV2D_BACKWARD_WEIGHT,
    MAX_POOL2D_FORWARD, MAX_POOL2D_BACKWARD, AVG_POOL2D_FORWARD, AVG_POOL2D_BACKWARD,
    SGD_UPDATE, ADAM_UPDATE
}

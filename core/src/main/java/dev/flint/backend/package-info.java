/**
 * The backend SPI, the lowest layer: the closed primitive set ({@link dev.flint.backend.Backend},
 * {@link dev.flint.backend.Primitive}) with its argument types ({@link dev.flint.backend.DType},
 * {@link dev.flint.backend.Gemm}, {@link dev.flint.backend.Unary}, the op enums and geometries),
 * storage, providers found with {@link java.util.ServiceLoader}, and backend selection
 * ({@link dev.flint.backend.Backends}). Imports nothing else of Flint.
 */
package dev.flint.backend;

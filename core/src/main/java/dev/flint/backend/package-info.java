/**
 * The backend SPI: the closed primitive set ({@link dev.flint.backend.Backend},
 * {@link dev.flint.backend.Primitive}), storage, providers found with {@link java.util.ServiceLoader},
 * and backend selection ({@link dev.flint.backend.Backends}).
 */
package dev.flint.backend;

/**
 * Test support for flint-core's own tests of layers, losses, optimizers and training, which run above
 * the tensor API and need some backend: {@link dev.flint.testing.ReferenceBackendProvider} registers the
 * conformance package's float64 reference backend with {@code ServiceLoader} (test class path only), so
 * {@code Backends.defaultBackend()} works in flint-core's tests exactly as it does for users.
 */
package dev.flint.testing;

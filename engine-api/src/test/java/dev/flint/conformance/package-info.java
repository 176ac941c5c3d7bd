/**
 * The backend conformance suite, shipped in engine-api's test jar so that every backend module runs
 * the same tests: {@link dev.flint.conformance.PrimitiveConformanceSuite} checks each
 * {@link dev.flint.backend.Primitive} against {@link dev.flint.conformance.Reference}, a plain
 * float64 implementation of the SPI, and {@link dev.flint.conformance.Approx} reports the worst
 * element when they disagree. {@link dev.flint.conformance.Covers} marks which primitive a test covers;
 * {@code dev.flint.backend.PrimitiveCoverageTest} fails the build when a primitive has no test.
 *
 * <pre>{@code
 * class CpuPrimitiveConformanceTest extends PrimitiveConformanceSuite {
 *     protected Backend backend() { return Backends.get("cpu"); }
 * }
 * }</pre>
 *
 * <p>{@code ReferenceBackend} (float32 storage over the float64 reference) runs the suite inside
 * engine-api itself, and {@code SuiteSensitivityTest} plants typical bugs in it to show that the
 * suite's tolerances catch them.
 */
package dev.flint.conformance;

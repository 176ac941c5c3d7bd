/**
 * The conformance suites, shipped in flint-core's test jar so that every backend module runs the same
 * tests by subclassing them and naming its backend:
 * <ul>
 *   <li>{@link dev.flint.conformance.PrimitiveConformanceSuite}: each {@link dev.flint.backend.Primitive}
 *       against {@link dev.flint.conformance.Reference}, a plain float64 implementation of the SPI;
 *       {@link dev.flint.conformance.Approx} reports the worst element and
 *       {@link dev.flint.conformance.Tolerance} says how far float32 may be;
 *       {@link dev.flint.conformance.Covers} marks which primitive a test covers, and
 *       {@code dev.flint.backend.PrimitiveCoverageTest} fails the build when a primitive has no test;</li>
 *   <li>{@link dev.flint.conformance.GradientConformanceSuite}: every differentiable op against finite
 *       differences; {@link dev.flint.conformance.TensorOpsSuite}: front-end forward semantics;
 *       {@link dev.flint.conformance.InputValidationSuite}: bad input rejected before any backend call.</li>
 * </ul>
 *
 * <pre>{@code
 * class CpuPrimitiveConformanceTest extends PrimitiveConformanceSuite {
 *     protected Backend backend() { return Backends.get("cpu"); }
 * }
 * }</pre>
 *
 * <p>{@code ReferenceBackend} (float32 storage over the float64 reference) runs the suites inside
 * flint-core itself; {@code ReferenceTest} checks the oracle against hand-computed values, adjoint
 * identities and finite differences; {@code SuiteSensitivityTest} plants typical bugs into the
 * reference backend to show that the primitive suite's tolerances catch them.
 */
package dev.flint.conformance;

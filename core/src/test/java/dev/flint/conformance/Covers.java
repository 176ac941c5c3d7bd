package dev.flint.conformance;

import dev.flint.backend.Primitive;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The primitives a conformance test exercises. Every test method of
 * {@link PrimitiveConformanceSuite} carries one, and {@code PrimitiveCoverageTest} fails when some
 * {@link Primitive} is named by none.
 *
 * <pre>{@code
 * @Test
 * @Covers({Primitive.UPLOAD, Primitive.DOWNLOAD})
 * void floatRoundTrip() { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Covers {
    /** The primitives whose results the test checks. */
    Primitive[] value();
}

package dev.flint.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.conformance.Covers;
import dev.flint.conformance.PrimitiveConformanceSuite;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The SPI stays closed and fully tested: every {@link Primitive} is covered by some test of
 * {@link PrimitiveConformanceSuite}, every test there says what it covers, and every {@link Backend}
 * method (lifecycle aside) is a {@link Primitive} and the other way round. Adding a method to the SPI
 * without a conformance test fails here, in flint-core's own build, before any backend runs.
 */
class PrimitiveCoverageTest {

    /** Backend methods that are not primitives: naming, waiting, statistics and shutdown. */
    private static final Set<String> LIFECYCLE = Set.of("name", "deviceDescription", "synchronize", "memoryStats",
            "close");

    private static List<Method> suiteTests() {
        List<Method> tests = new ArrayList<>();
        for (Method m : PrimitiveConformanceSuite.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class)) {
                tests.add(m);
            }
        }
        return tests;
    }

    @Test
    void everyPrimitiveHasAConformanceTest() {
        Set<Primitive> covered = EnumSet.noneOf(Primitive.class);
        for (Method m : suiteTests()) {
            Covers covers = m.getAnnotation(Covers.class);
            if (covers != null) {
                covered.addAll(List.of(covers.value()));
            }
        }
        Set<Primitive> missing = EnumSet.complementOf(EnumSet.copyOf(covered));
        assertTrue(missing.isEmpty(), "PrimitiveConformanceSuite has no @Covers test for " + missing
                + " (covered: " + covered.size() + " of " + Primitive.values().length + ")");
    }

    @Test
    void everyConformanceTestSaysWhatItCovers() {
        List<Method> tests = suiteTests();
        assertTrue(tests.size() >= Primitive.values().length, "PrimitiveConformanceSuite: expected at least one test"
                + " per primitive (" + Primitive.values().length + "), found " + tests.size() + " test methods");
        Set<String> unmarked = new TreeSet<>();
        for (Method m : tests) {
            Covers covers = m.getAnnotation(Covers.class);
            if (covers == null || covers.value().length == 0) {
                unmarked.add(m.getName());
            }
        }
        assertTrue(unmarked.isEmpty(), "conformance tests without @Covers (or with an empty one): " + unmarked);
    }

    @Test
    void everyBackendMethodIsAPrimitiveAndEveryPrimitiveABackendMethod() {
        Set<String> unmapped = new TreeSet<>();
        Set<Primitive> implemented = EnumSet.noneOf(Primitive.class);
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || LIFECYCLE.contains(m.getName())) {
                continue;
            }
            String constant = primitiveName(m.getName());
            try {
                implemented.add(Primitive.valueOf(constant));
            } catch (IllegalArgumentException e) {
                unmapped.add(m.getName() + " -> " + constant);
            }
        }
        assertTrue(unmapped.isEmpty(), "Backend methods with no Primitive constant (add one, and a conformance "
                + "test, or list the method as lifecycle): " + unmapped);
        Set<Primitive> stale = EnumSet.complementOf(EnumSet.copyOf(implemented));
        assertTrue(stale.isEmpty(), "Primitive constants with no Backend method: " + stale);
    }

    @Test
    void methodNamesMapToConstantNames() {
        assertEquals("UPLOAD", primitiveName("upload"));
        assertEquals("SOFTMAX_CROSS_ENTROPY_FORWARD", primitiveName("softmaxCrossEntropyForward"));
        assertEquals("CONV2D_BACKWARD_DATA", primitiveName("conv2dBackwardData"));
        assertEquals("MAX_POOL2D_FORWARD", primitiveName("maxPool2dForward"));
    }

    /** {@code conv2dBackwardData} to {@code CONV2D_BACKWARD_DATA}: an underscore before each capital. */
    static String primitiveName(String methodName) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < methodName.length(); i++) {
            char c = methodName.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                sb.append('_');
            }
            sb.append(c);
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }
}

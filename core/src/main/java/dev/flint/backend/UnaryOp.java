package dev.flint.backend;

/**
 * Elementwise functions of one float32 input, {@code y[i] = f(x[i]; p1, p2)}. The two scalar
 * parameters are ignored by ops that do not name them.
 */
public enum UnaryOp {
    /** {@code -x} */
    NEG,
    /** {@code e^x} */
    EXP,
    /** natural log; {@code -inf} at 0, NaN below */
    LOG,
    /** square root; NaN below 0 */
    SQRT,
    /** {@code |x|} */
    ABS,
    /** -1, 0 or 1 */
    SIGN,
    /** {@code 1 / x} */
    RECIPROCAL,
    /** {@code x * x} */
    SQUARE,
    /** {@code p1 * x + p2} */
    AFFINE,
    /** {@code x ^ p1} (Java's {@code Math.pow} semantics, computed in float) */
    POW,
    /** {@code min(max(x, p1), p2)} */
    CLAMP,
    /** 1 where {@code p1 <= x <= p2}, else 0 (the mask of clamp's gradient) */
    IN_RANGE
}

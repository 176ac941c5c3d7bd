package dev.flint.backend;

/**
 * Elementwise functions of two float32 inputs with broadcasting. Comparisons give 1 where true and
 * 0 where false, as float32 masks.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV,
    /** {@code a ^ b} */
    POW,
    /** elementwise maximum; NaN if either is NaN */
    MAX,
    /** elementwise minimum; NaN if either is NaN */
    MIN,
    EQ, NE, LT, LE, GT, GE
}

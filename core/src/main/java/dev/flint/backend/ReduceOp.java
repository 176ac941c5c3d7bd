package dev.flint.backend;

/** Reductions along one axis. Means are composed above the SPI as a sum and a scale. */
public enum ReduceOp {
    SUM, MAX, MIN
}

package dev.flint.cuda.kernel;

import dev.flint.backend.Activation;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.UnaryOp;

/**
 * The integer op codes our kernels switch on, one table per SPI enum. They mirror the enums in
 * {@code src/main/cuda/common.cuh} by name ({@code U_NEG} for {@link UnaryOp#NEG}); KernelCodesTest
 * parses the header and fails when the two disagree, so neither side depends on enum declaration order.
 */
public final class KernelCodes {
    private KernelCodes() {
    }

    public static int of(UnaryOp op) {
        return switch (op) {
            case NEG -> 0;
            case EXP -> 1;
            case LOG -> 2;
            case SQRT -> 3;
            case ABS -> 4;
            case SIGN -> 5;
            case RECIPROCAL -> 6;
            case SQUARE -> 7;
            case AFFINE -> 8;
            case POW -> 9;
            case CLAMP -> 10;
            case IN_RANGE -> 11;
        };
    }

    public static int of(BinaryOp op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
            case POW -> 4;
            case MAX -> 5;
            case MIN -> 6;
            case EQ -> 7;
            case NE -> 8;
            case LT -> 9;
            case LE -> 10;
            case GT -> 11;
            case GE -> 12;
        };
    }

    public static int of(ReduceOp op) {
        return switch (op) {
            case SUM -> 0;
            case MAX -> 1;
            case MIN -> 2;
        };
    }

    public static int of(Activation act) {
        return switch (act) {
            case RELU -> 0;
            case LEAKY_RELU -> 1;
            case SIGMOID -> 2;
            case TANH -> 3;
        };
    }
}

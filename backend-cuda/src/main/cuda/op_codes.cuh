// Generated from dev.flint.backend.UnaryOp, BinaryOp and ReduceOp by dev.flint.cuda.kernel.OpCodes
// (backend-cuda/src/main/cuda/build-kernels.sh --update runs it); do not edit.
// Each code is the entry's ordinal: OpCodesTest fails the build when this file is stale.
#pragma once

enum UnaryCode {
    U_NEG = 0,
    U_EXP = 1,
    U_LOG = 2,
    U_SQRT = 3,
    U_ABS = 4,
    U_SIGN = 5,
    U_RECIPROCAL = 6,
    U_SQUARE = 7,
    U_AFFINE = 8,
    U_POW = 9,
    U_CLAMP = 10,
    U_IN_RANGE = 11,
    U_RELU = 12,
    U_LEAKY_RELU = 13,
    U_SIGMOID = 14,
    U_TANH = 15,
    U_GELU = 16,
    U_GELU_TANH = 17,
};

enum BinaryCode {
    B_ADD = 0,
    B_SUB = 1,
    B_MUL = 2,
    B_DIV = 3,
    B_POW = 4,
    B_MAX = 5,
    B_MIN = 6,
    B_EQ = 7,
    B_NE = 8,
    B_LT = 9,
    B_LE = 10,
    B_GT = 11,
    B_GE = 12,
};

enum ReduceCode {
    R_SUM = 0,
    R_MAX = 1,
    R_MIN = 2,
};


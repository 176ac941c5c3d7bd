// Elementwise kernels: unary functions, binary functions with broadcasting, dtype casts.
// Launched by dev.flint.cuda.CudaBackend (unary, binary, cast).
#include "common.cuh"

__device__ __forceinline__ float apply_unary(int op, float x, float p1, float p2) {
    switch (op) {
        case U_NEG: return -x;
        case U_EXP: return expf(x);
        case U_LOG: return logf(x);
        case U_SQRT: return sqrtf(x);
        case U_ABS: return fabsf(x);
        case U_SIGN: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);   // keeps +-0 and NaN
        case U_RECIPROCAL: return 1.0f / x;
        case U_SQUARE: return x * x;
        case U_AFFINE: return p1 * x + p2;
        case U_POW: return java_pow(x, p1);
        case U_CLAMP: return java_min(java_max(x, p1), p2);             // Math.min(Math.max(x, p1), p2)
        case U_IN_RANGE: return (p1 <= x && x <= p2) ? 1.0f : 0.0f;
        default: return __int_as_float(0x7fc00000);
    }
}

__device__ __forceinline__ float apply_binary(int op, float a, float b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_POW: return java_pow(a, b);
        case B_MAX: return java_max(a, b);
        case B_MIN: return java_min(a, b);
        case B_EQ: return a == b ? 1.0f : 0.0f;
        case B_NE: return a != b ? 1.0f : 0.0f;
        case B_LT: return a < b ? 1.0f : 0.0f;
        case B_LE: return a <= b ? 1.0f : 0.0f;
        case B_GT: return a > b ? 1.0f : 0.0f;
        case B_GE: return a >= b ? 1.0f : 0.0f;
        default: return __int_as_float(0x7fc00000);
    }
}

// x (n) -> y (n); y may alias x. op is uniform across the grid, so the switch does not diverge.
extern "C" __global__ void unary_forward_f32(const float* x, float* y, int n, int op, float p1, float p2) {
    FLINT_GRID_LOOP(i, n) {
        y[i] = apply_unary(op, x[i], p1, p2);
    }
}

// a (n), b (n) -> out (n): the fast path for equal shapes; out may alias a or b.
extern "C" __global__ void binary_contiguous_f32(const float* a, const float* b, float* out, int n, int op) {
    FLINT_GRID_LOOP(i, n) {
        out[i] = apply_binary(op, a[i], b[i]);
    }
}

// a (n), b scalar -> out (n) when scalarOnRight, else a scalar, b (n) -> out (n).
extern "C" __global__ void binary_scalar_f32(const float* a, const float* b, float* out, int n, int op,
                                             int scalarOnRight) {
    if (scalarOnRight) {
        float s = b[0];
        FLINT_GRID_LOOP(i, n) { out[i] = apply_binary(op, a[i], s); }
    } else {
        float s = a[0];
        FLINT_GRID_LOOP(i, n) { out[i] = apply_binary(op, s, b[i]); }
    }
}

// a, b read through d.aStrides / d.bStrides (0 broadcasts an axis) -> out (d.dims) contiguous.
// The index vector is decoded from the flat output index, innermost axis fastest.
extern "C" __global__ void binary_strided_f32(const float* a, const float* b, float* out, int n, int op,
                                              BroadcastDims d) {
    FLINT_GRID_LOOP(i, n) {
        long long rest = i;
        long long ai = 0, bi = 0;
        // Unrolled over the fixed maximum rank so that every struct index is a constant: the
        // parameters stay in the constant bank instead of being copied to per-thread stack.
#pragma unroll
        for (int axis = FLINT_MAX_RANK - 1; axis >= 0; axis--) {
            if (axis >= d.rank) continue;
            int dim = d.dims[axis];
            int idx = (int)(rest % dim);
            rest /= dim;
            ai += (long long)idx * d.aStrides[axis];
            bi += (long long)idx * d.bStrides[axis];
        }
        out[i] = apply_binary(op, a[ai], b[bi]);
    }
}

// x (n) float32 -> y (n) int32, truncating toward zero like Java's (int) cast (NaN -> 0, saturating).
extern "C" __global__ void cast_f32_to_i32(const float* x, int* y, int n) {
    FLINT_GRID_LOOP(i, n) {
        float v = x[i];
        y[i] = v != v ? 0 : (v >= 2147483647.0f ? 2147483647 : (v <= -2147483648.0f ? (-2147483647 - 1) : (int)v));
    }
}

// x (n) int32 -> y (n) float32, rounding to nearest like Java's (float) cast.
extern "C" __global__ void cast_i32_to_f32(const int* x, float* y, int n) {
    FLINT_GRID_LOOP(i, n) {
        y[i] = (float)x[i];
    }
}

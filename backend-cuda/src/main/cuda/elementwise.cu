// Elementwise kernels: unary functions, binary functions with broadcasting, dtype casts.
// Launched by dev.flint.cuda.CudaBackend (unary, unaryBackward, binary, cast).
#include "common.cuh"

// ---------------------------------------------------------------- the unary family (UnaryOp)
// One arm per op: its forward value f(x) beside its gradient g * f'(x). a, b are the op's parameters
// in the order UnaryOp names them (slope; exponent; lo, hi; scale, shift). The gradient reads only the
// operand the op declares (x for OF_INPUT, y = f(x) for OF_OUTPUT), with the CPU kernels' selects.
// `backward` is a literal at both call sites, so each kernel keeps only its half of every arm.
__device__ __forceinline__ float unary_op(int op, bool backward, float x, float y, float g, float a, float b) {
    switch (op) {
        case U_NEG: return backward ? -g : -x;
        case U_EXP: return backward ? g * y : expf(x);
        case U_LOG: return backward ? g / x : logf(x);
        case U_SQRT: return backward ? g * 0.5f / y : sqrtf(x);
        case U_ABS: return backward ? g * (x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x)) : fabsf(x);
        case U_SIGN:                                                     // no gradient: never called backward
            if (backward) break;
            return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);            // keeps +-0 and NaN
        case U_RECIPROCAL: return backward ? -g * y * y : 1.0f / x;
        case U_SQUARE: return backward ? g * 2.0f * x : x * x;
        case U_AFFINE: return backward ? g * a : a * x + b;
        case U_POW: return backward ? g * a * java_pow(x, a - 1.0f) : java_pow(x, a);
        case U_CLAMP:                                                    // Math.min(Math.max(x, lo), hi)
            return backward ? g * ((a <= x && x <= b) ? 1.0f : 0.0f) : java_min(java_max(x, a), b);
        case U_IN_RANGE:                                                 // no gradient
            if (backward) break;
            return (a <= x && x <= b) ? 1.0f : 0.0f;
        case U_RELU: return backward ? (x > 0.0f ? g : 0.0f) : java_max(x, 0.0f);   // NaN stays NaN, as in PyTorch
        case U_LEAKY_RELU: return backward ? (x > 0.0f ? g : a * g) : java_max(x, 0.0f) + a * java_min(x, 0.0f);
        case U_SIGMOID: return backward ? g * y * (1.0f - y) : 1.0f / (1.0f + expf(-x));
        case U_TANH: return backward ? g * (1.0f - y * y) : tanhf(x);
        case U_GELU: {                                                   // x Phi(x); Phi(x) + x phi(x)
            float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
            return backward ? g * (cdf + x * 0.39894228040143268f * expf(-0.5f * x * x)) : x * cdf;
        }
        case U_GELU_TANH: {                                              // 0.5 x (1 + tanh(sqrt(2/pi) (x + c x^3)))
            float t = tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x));
            float du = 0.79788456080286536f * (1.0f + 3.0f * 0.044715f * x * x);
            return backward ? g * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du) : 0.5f * x * (1.0f + t);
        }
        default: break;
    }
    FLINT_UNKNOWN_OP();                                                  // a code without its arm: stop
    return 0.0f;
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
        default: FLINT_UNKNOWN_OP(); return 0.0f;
    }
}

// x (n) -> y (n); y may alias x. op is uniform across the grid, so the switch does not diverge.
extern "C" __global__ void unary_forward_f32(const float* x, float* y, int n, int op, float a, float b) {
    FLINT_GRID_LOOP(i, n) {
        y[i] = unary_op(op, false, x[i], 0.0f, 0.0f, a, b);
    }
}

// x (n) forward input or null, y (n) forward output or null, dy (n) -> dx (n) = dy * f'(x); dx may
// alias dy. Only the operand the op reads is passed.
extern "C" __global__ void unary_backward_f32(const float* x, const float* y, const float* dy, float* dx, int n,
                                              int op, float a, float b) {
    FLINT_GRID_LOOP(i, n) {
        float xv = x != nullptr ? x[i] : 0.0f;
        float yv = y != nullptr ? y[i] : 0.0f;
        dx[i] = unary_op(op, true, xv, yv, dy[i], a, b);
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

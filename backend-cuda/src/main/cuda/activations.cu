// Activation kernels, forward and backward: ReLU, leaky ReLU, sigmoid, tanh.
// Launched by dev.flint.cuda.CudaBackend (activationForward, activationBackward).
#include "common.cuh"

__device__ __forceinline__ float activate(int act, float x, float alpha) {
    switch (act) {
        case A_RELU: return x > 0.0f ? x : 0.0f;                // as the reference: NaN gives 0
        case A_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case A_SIGMOID: return 1.0f / (1.0f + expf(-x));
        case A_TANH: return tanhf(x);
        default: return __int_as_float(0x7fc00000);
    }
}

// x (n) -> y (n); y may alias x.
extern "C" __global__ void activation_forward_f32(const float* x, float* y, int n, int act, float alpha) {
    FLINT_GRID_LOOP(i, n) {
        y[i] = activate(act, x[i], alpha);
    }
}

// x (n) input, y (n) output of the forward pass, dy (n) -> dx (n) = dy * act'(x).
// ReLU-like gradients read x (1 where x > 0, else 0 or alpha); sigmoid and tanh read y, which saves
// recomputing the exponential: y (1 - y) and 1 - y^2.
extern "C" __global__ void activation_backward_f32(const float* x, const float* y, const float* dy, float* dx,
                                                   int n, int act, float alpha) {
    FLINT_GRID_LOOP(i, n) {
        float g;
        switch (act) {
            case A_RELU: g = x[i] > 0.0f ? 1.0f : 0.0f; break;
            case A_LEAKY_RELU: g = x[i] > 0.0f ? 1.0f : alpha; break;
            case A_SIGMOID: { float v = y[i]; g = v * (1.0f - v); break; }
            case A_TANH: { float v = y[i]; g = 1.0f - v * v; break; }
            default: g = __int_as_float(0x7fc00000);
        }
        dx[i] = dy[i] * g;
    }
}

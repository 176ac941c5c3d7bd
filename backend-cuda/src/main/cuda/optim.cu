// Fused optimizer updates, one pass over the parameters: SGD (momentum, dampening, Nesterov, weight
// decay) and Adam/AdamW, with PyTorch's update rules (see SgdParams and AdamParams in flint-core).
// Launched by dev.flint.cuda.CudaBackend (sgdUpdate, adamUpdate).
#include "common.cuh"

// param (n), grad (n), velocity (n, or null when momentum == 0) updated in place.
extern "C" __global__ void sgd_update_f32(float* param, const float* grad, float* velocity, int n, float lr,
                                          float momentum, float dampening, float weightDecay, int nesterov,
                                          int firstStep) {
    FLINT_GRID_LOOP(i, n) {
        float p = param[i];
        float g = grad[i] + weightDecay * p;
        if (momentum != 0.0f) {
            float v = firstStep ? g : momentum * velocity[i] + (1.0f - dampening) * g;
            velocity[i] = v;
            g = nesterov ? g + momentum * v : v;
        }
        param[i] = p - lr * g;
    }
}

// param, grad, m, v (n); m and v updated in place. biasCorrection1/2 = 1 - beta^step, computed once on
// the host in double precision.
extern "C" __global__ void adam_update_f32(float* param, const float* grad, float* m, float* v, int n, float lr,
                                           float beta1, float beta2, float eps, float weightDecay, int decoupled,
                                           float biasCorrection1, float biasCorrection2) {
    FLINT_GRID_LOOP(i, n) {
        float p = param[i];
        float g = grad[i];
        if (decoupled) {
            p *= 1.0f - lr * weightDecay;
        } else {
            g += weightDecay * p;
        }
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float mHat = mi / biasCorrection1;
        float vHat = vi / biasCorrection2;
        param[i] = p - lr * mHat / (sqrtf(vHat) + eps);
    }
}

package dev.flint.cpu.kernel;

import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import dev.flint.cpu.parallel.Parallel;

/**
 * The elementwise family on {@code float[]}: for every {@link UnaryOp}, its forward loop
 * {@code y = f(x)} and its gradient loop {@code dx = dy * f'(x)}, side by side in one arm of one
 * switch. The switch is an expression over the enum, so an op added to {@link UnaryOp} and not here
 * does not compile.
 *
 * <pre>{@code
 * UnaryKernels.forward(Unary.leakyRelu(0.01f), x, y, n);
 * UnaryKernels.backward(Unary.leakyRelu(0.01f), x, null, dy, dx, n);   // reads x only, as declared
 * }</pre>
 *
 * <p>Each op has its own loops (the switch sits outside them), so the JIT sees tight loops it can
 * vectorize. Exp, sigmoid and tanh use {@link FloatMath} (Vector API when present); the ReLU family and
 * the masks have no data-dependent branch ({@link FloatOrder}), since the sign of an activation is a
 * coin flip for a branch predictor. Work is split by position only, so results do not depend on the
 * thread count. A gradient loop reads only the operand its op's {@link UnaryOp.Derivative} names (the
 * other one is null).
 */
public final class UnaryKernels {
    /** sqrt(2 / pi), for GELU's tanh form. */
    private static final float SQRT_2_OVER_PI = 0.7978845608028654f;
    private static final float GELU_CUBIC = 0.044715f;

    private UnaryKernels() {
    }

    /** One loop over {@code [from, to)}. */
    @FunctionalInterface
    private interface Loop {
        void run(int from, int to);
    }

    /** An op's forward loop and gradient loop (null for a function with no gradient). */
    private record Rule(Loop forward, Loop backward) {
    }

    /** {@code y[i] = f(x[i])} for {@code i < n}; {@code y} may be {@code x}. */
    public static void forward(Unary f, float[] x, float[] y, int n) {
        // x^2 is the common pow; the multiply is exact where Math.pow rounds twice.
        Unary g = f.op() == UnaryOp.POW && f.a() == 2f ? Unary.of(UnaryOp.SQUARE) : f;
        Parallel.forRange(0, n, grain(g.op()), rule(g, x, y, null, null).forward()::run);
    }

    /**
     * {@code dx[i] = dy[i] * f'(x[i])} for {@code i < n}, from {@code x} or {@code y} as the op's
     * derivative declares (the other may be null); {@code dx} may be {@code dy}.
     */
    public static void backward(Unary f, float[] x, float[] y, float[] dy, float[] dx, int n) {
        Loop loop = rule(f, x, y, dy, dx).backward();
        if (loop == null) {
            throw new IllegalArgumentException("unaryBackward: " + f.op().label() + " has no gradient (piecewise constant)");
        }
        Parallel.forRange(0, n, grain(f.op()), loop::run);
    }

    private static int grain(UnaryOp op) {
        return switch (op) {
            case EXP, LOG, POW, SIGMOID, TANH, GELU, GELU_TANH -> Elementwise.GRAIN_HEAVY;
            default -> Elementwise.GRAIN;
        };
    }

    private static Rule rule(Unary f, float[] x, float[] y, float[] dy, float[] dx) {
        float a = f.a();
        float b = f.b();
        return switch (f.op()) {
            // -x; -dy
            case NEG -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = -x[i];
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = -dy[i];
                        }
                    });
            // e^x; dy * y
            case EXP -> new Rule(
                    (from, to) -> FloatMath.exp(x, y, from, to),
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * y[i];
                        }
                    });
            // ln x; dy / x
            case LOG -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = (float) Math.log(x[i]);
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] / x[i];
                        }
                    });
            // sqrt x; dy * 0.5 / y
            case SQRT -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = (float) Math.sqrt(x[i]);
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * 0.5f / y[i];
                        }
                    });
            // |x|; dy * sign(x), 0 at 0
            case ABS -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = Math.abs(x[i]);
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * Math.signum(x[i]);
                        }
                    });
            // -1, 0 or 1; no gradient
            case SIGN -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = Math.signum(x[i]);
                        }
                    },
                    null);
            // 1 / x; -dy * y^2
            case RECIPROCAL -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = 1f / x[i];
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float v = y[i];
                            dx[i] = -dy[i] * v * v;
                        }
                    });
            // x^2; dy * 2x
            case SQUARE -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = x[i] * x[i];
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * 2f * x[i];
                        }
                    });
            // scale x + shift; dy * scale
            case AFFINE -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = a * x[i] + b;
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * a;
                        }
                    });
            // x^p; dy * p x^(p-1)
            case POW -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = (float) Math.pow(x[i], a);
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * a * (float) Math.pow(x[i], a - 1f);
                        }
                    });
            // min(max(x, lo), hi); dy where lo <= x <= hi, else 0
            case CLAMP -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = Math.min(Math.max(x[i], a), b);
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            dx[i] = dy[i] * FloatOrder.inRange(x[i], a, b);
                        }
                    });
            // the mask of lo <= x <= hi; no gradient
            case IN_RANGE -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = FloatOrder.inRange(x[i], a, b);
                        }
                    },
                    null);
            // max(x, 0); dy where x > 0, else 0: a bit mask, no branch
            case RELU -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            y[i] = Math.max(x[i], 0f);
                        }
                    },
                    (from, to) -> FloatMath.reluGrad(x, dy, dx, from, to));
            // max(x, 0) + slope min(x, 0) (exactly the two-sided definition, no branch to mispredict);
            // dy where x > 0, else slope * dy
            case LEAKY_RELU -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float v = x[i];
                            y[i] = Math.max(v, 0f) + a * Math.min(v, 0f);
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            int mask = FloatOrder.positive(x[i]);
                            float g = dy[i];
                            dx[i] = Float.intBitsToFloat((Float.floatToRawIntBits(g) & mask)
                                    | (Float.floatToRawIntBits(a * g) & ~mask));
                        }
                    });
            // 1 / (1 + e^-x); dy * y (1 - y)
            case SIGMOID -> new Rule(
                    (from, to) -> FloatMath.sigmoid(x, y, from, to),
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float s = y[i];
                            dx[i] = dy[i] * s * (1f - s);
                        }
                    });
            // tanh x; dy * (1 - y^2)
            case TANH -> new Rule(
                    (from, to) -> FloatMath.tanh(x, y, from, to),
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float t = y[i];
                            dx[i] = dy[i] * (1f - t * t);
                        }
                    });
            // x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); dy * (Phi(x) + x phi(x))
            case GELU -> new Rule(
                    (from, to) -> Gelu.forward(x, y, from, to),
                    (from, to) -> Gelu.backward(x, dy, dx, from, to));
            // 0.5 x (1 + tanh u), u = sqrt(2/pi) (x + c x^3); with t = tanh u,
            // dy * (0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 c x^2))
            case GELU_TANH -> new Rule(
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float v = x[i];
                            y[i] = 0.5f * v * (1f + FloatMath.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v)));
                        }
                    },
                    (from, to) -> {
                        for (int i = from; i < to; i++) {
                            float v = x[i];
                            float t = FloatMath.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
                            float du = SQRT_2_OVER_PI * (1f + 3f * GELU_CUBIC * v * v);
                            dx[i] = dy[i] * (0.5f * (1f + t) + 0.5f * v * (1f - t * t) * du);
                        }
                    });
        };
    }
}

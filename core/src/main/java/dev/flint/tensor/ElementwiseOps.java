package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.DType;
import dev.flint.backend.UnaryOp;

/**
 * Elementwise ops: each forward runs one backend primitive and declares its backward right beside it.
 * Gradients of broadcast operands come back in the output's shape; the engine reduces them.
 */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    private static String name(BinaryOp op) {
        return op.name().toLowerCase(java.util.Locale.ROOT);
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String opName = name(op);
        Checks.floats(opName, a, b);
        Shape out = Shape.broadcast(opName, a.shape(), b.shape());
        Tensor y = raw(op, a, b, out);
        return switch (op) {
            // d(a+b) = (g, g)
            case ADD -> Tensor.record(y, "add", g -> new Tensor[] {g, g}, a, b);
            // d(a-b) = (g, -g)
            case SUB -> Tensor.record(y, "sub", g -> new Tensor[] {g, g.neg()}, a, b);
            // d(ab) = (g b, g a)
            case MUL -> Tensor.record(y, "mul", g -> new Tensor[] {
                    a.requiresGrad() ? g.mul(b) : null, b.requiresGrad() ? g.mul(a) : null}, a, b);
            // d(a/b) = (g / b, -g a / b^2) = (g / b, -g y / b)
            case DIV -> Tensor.record(y, "div", g -> {
                Tensor ga = a.requiresGrad() ? g.div(b) : null;
                Tensor gb = b.requiresGrad() ? g.mul(y).div(b).neg() : null;
                return new Tensor[] {ga, gb};
            }, a, b);
            // d(a^b) = (g b a^(b-1), g y ln a)
            case POW -> Tensor.record(y, "pow", g -> {
                Tensor ga = a.requiresGrad() ? g.mul(b).mul(a.pow(b.sub(1f))) : null;
                Tensor gb = b.requiresGrad() ? g.mul(y).mul(a.log()) : null;
                return new Tensor[] {ga, gb};
            }, a, b);
            // The larger input takes the gradient; ties split it evenly (as PyTorch does).
            case MAX, MIN -> Tensor.record(y, opName, g -> {
                Tensor wins = op == BinaryOp.MAX ? a.gt(b) : a.lt(b);
                Tensor share = wins.add(a.eq(b).mul(0.5f));
                Tensor ga = a.requiresGrad() ? g.mul(share) : null;
                Tensor gb = b.requiresGrad() ? g.mul(share.neg().add(1f)) : null;
                return new Tensor[] {ga, gb};
            }, a, b);
            // Comparisons are masks: constant, no gradient.
            case EQ, NE, LT, LE, GT, GE -> y;
        };
    }

    /** The forward of a binary op without recording. */
    static Tensor raw(BinaryOp op, Tensor a, Tensor b, Shape out) {
        Backend be = a.backend();
        Tensor y = Tensor.empty(be, out, DType.FLOAT32);
        be.binary(op, a.storage(), a.shape().broadcastStrides(out), b.storage(), b.shape().broadcastStrides(out),
                y.storage(), out.dims());
        return y;
    }

    static Tensor compareScalar(BinaryOp op, Tensor a, float value) {
        Checks.floats(name(op), a);
        Tensor s = Tensor.on(a.backend()).scalar(value);
        try {
            return raw(op, a, s, a.shape());
        } finally {
            s.close();
        }
    }

    static Tensor unary(UnaryOp op, Tensor x, float p1, float p2) {
        String opName = op.name().toLowerCase(java.util.Locale.ROOT);
        Checks.floats(opName, x);
        Tensor y = rawUnary(op, x, p1, p2);
        return switch (op) {
            // d(-x) = -g
            case NEG -> Tensor.record(y, "neg", g -> new Tensor[] {g.neg()}, x);
            // d(e^x) = g y
            case EXP -> Tensor.record(y, "exp", g -> new Tensor[] {g.mul(y)}, x);
            // d(ln x) = g / x
            case LOG -> Tensor.record(y, "log", g -> new Tensor[] {g.div(x)}, x);
            // d(sqrt x) = g / (2 y)
            case SQRT -> Tensor.record(y, "sqrt", g -> new Tensor[] {g.div(y).mul(0.5f)}, x);
            // d|x| = g sign(x)
            case ABS -> Tensor.record(y, "abs", g -> new Tensor[] {g.mul(rawUnary(UnaryOp.SIGN, x, 0f, 0f))}, x);
            // d(1/x) = -g y^2
            case RECIPROCAL -> Tensor.record(y, "reciprocal", g -> new Tensor[] {g.mul(y.square()).neg()}, x);
            // d(x^2) = 2 g x
            case SQUARE -> Tensor.record(y, "square", g -> new Tensor[] {g.mul(x).mul(2f)}, x);
            // d(p1 x + p2) = p1 g
            case AFFINE -> Tensor.record(y, "affine", g -> new Tensor[] {g.mul(p1)}, x);
            // d(x^p) = g p x^(p-1)
            case POW -> Tensor.record(y, "pow", g -> new Tensor[] {g.mul(x.pow(p1 - 1f)).mul(p1)}, x);
            // d clamp = g where lo <= x <= hi, else 0
            case CLAMP -> Tensor.record(y, "clamp",
                    g -> new Tensor[] {g.mul(rawUnary(UnaryOp.IN_RANGE, x, p1, p2))}, x);
            // sign and masks are piecewise constant: no gradient.
            case SIGN, IN_RANGE -> y;
        };
    }

    static Tensor rawUnary(UnaryOp op, Tensor x, float p1, float p2) {
        Tensor y = Tensor.empty(x.backend(), x.shape(), DType.FLOAT32);
        x.backend().unary(op, x.storage(), y.storage(), x.size(), p1, p2);
        return y;
    }

    static Tensor affine(Tensor x, float scale, float shift) {
        return unary(UnaryOp.AFFINE, x, scale, shift);
    }

    /** A detached copy with its own storage. */
    static Tensor copy(Tensor x) {
        Tensor y = Tensor.empty(x.backend(), x.shape(), x.dtype());
        x.backend().copyBlocks(x.storage(), 0, 0, y.storage(), 0, 0, 1, x.size());
        return y;
    }

    static Tensor cast(Tensor x, DType target) {
        Checks.open("castTo", x);
        if (x.dtype() == target) {
            return copy(x);
        }
        Tensor y = Tensor.empty(x.backend(), x.shape(), target);
        x.backend().cast(x.storage(), y.storage(), x.size());
        return y;
    }
}

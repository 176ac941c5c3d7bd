package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.DType;
import dev.flint.backend.Unary;
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
            case ADD -> Tensor.record(y, "add", Tensor.NOTHING_SAVED, g -> new Tensor[] {g, g}, a, b);
            // d(a-b) = (g, -g)
            case SUB -> Tensor.record(y, "sub", Tensor.NOTHING_SAVED, g -> new Tensor[] {g, g.neg()}, a, b);
            // d(ab) = (g b, g a)
            case MUL -> Tensor.record(y, "mul", Tensor.saves(a, b), g -> new Tensor[] {
                    a.requiresGrad() ? g.mul(b) : null, b.requiresGrad() ? g.mul(a) : null}, a, b);
            // d(a/b) = (g / b, -g a / b^2) = (g / b, -g y / b)
            case DIV -> Tensor.record(y, "div", Tensor.saves(b, y), g -> {
                Tensor ga = a.requiresGrad() ? g.div(b) : null;
                Tensor gb = b.requiresGrad() ? g.mul(y).div(b).neg() : null;
                return new Tensor[] {ga, gb};
            }, a, b);
            // d(a^b) = (g b a^(b-1), g y ln a)
            case POW -> Tensor.record(y, "pow", Tensor.saves(a, b, y), g -> {
                Tensor ga = a.requiresGrad() ? g.mul(b).mul(a.pow(b.sub(1f))) : null;
                Tensor gb = b.requiresGrad() ? g.mul(y).mul(a.log()) : null;
                return new Tensor[] {ga, gb};
            }, a, b);
            // The larger input takes the gradient; ties split it evenly (as PyTorch does).
            case MAX, MIN -> Tensor.record(y, opName, Tensor.saves(a, b), g -> {
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

    /**
     * {@code f(x)}, with the gradient {@code dx = g * f'(x)} from the backend's {@code unaryBackward};
     * only the operand the derivative reads (the input or the output, as {@link UnaryOp#derivative()}
     * says) is kept for the backward pass.
     */
    static Tensor unary(Unary f, Tensor x) {
        UnaryOp op = f.op();
        Checks.floats(op.label(), x);
        Tensor y = rawUnary(f, x);
        if (!op.differentiable()) {
            return y;   // piecewise constant: no gradient
        }
        Tensor in = op.derivative() == UnaryOp.Derivative.OF_INPUT ? x : null;
        Tensor out = op.derivative() == UnaryOp.Derivative.OF_OUTPUT ? y : null;
        Backend be = x.backend();
        // dx = g * f'(x), f' from x, from y, or constant, per the op's declaration
        return Tensor.record(y, op.label(), in != null ? Tensor.saves(in) : out != null ? Tensor.saves(out)
                : Tensor.NOTHING_SAVED, g -> {
                    Tensor dx = Tensor.empty(be, x.shape(), DType.FLOAT32);
                    be.unaryBackward(f, in == null ? null : in.storage(), out == null ? null : out.storage(),
                            g.storage(), dx.storage(), x.size());
                    return new Tensor[] {dx};
                }, x);
    }

    static Tensor rawUnary(Unary f, Tensor x) {
        Tensor y = Tensor.empty(x.backend(), x.shape(), DType.FLOAT32);
        x.backend().unary(f, x.storage(), y.storage(), x.size());
        return y;
    }

    static Tensor affine(Tensor x, float scale, float shift) {
        return unary(Unary.affine(scale, shift), x);
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

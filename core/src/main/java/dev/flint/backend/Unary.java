package dev.flint.backend;

import java.util.Objects;

/**
 * One elementwise function with its parameters: the argument of {@link Backend#unary} and
 * {@link Backend#unaryBackward}. Made by the named factories, which check that the parameters are the
 * ones the function takes; {@code a} and {@code b} are its first and second parameter, in the order of
 * {@link UnaryOp#parameters()} (0 when it takes fewer).
 *
 * <pre>{@code
 * backend.unary(Unary.leakyRelu(0.01f), x, y, n);
 * backend.unary(Unary.of(UnaryOp.EXP), x, y, n);
 * }</pre>
 */
public record Unary(UnaryOp op, float a, float b) {

    public Unary {
        Objects.requireNonNull(op, "op");
        int arity = op.parameters().size();
        if ((arity < 1 && a != 0f) || (arity < 2 && b != 0f)) {
            throw new IllegalArgumentException(op.label() + " takes " + (arity == 0 ? "no parameters"
                    : "only " + op.parameters()) + ", got a=" + a + ", b=" + b);
        }
    }

    /** A function without parameters; for one that has some, use its named factory. */
    public static Unary of(UnaryOp op) {
        if (!op.parameters().isEmpty()) {
            throw new IllegalArgumentException(op.label() + " needs its parameters " + op.parameters()
                    + ": use its named factory, such as Unary." + factoryName(op) + "(...)");
        }
        return new Unary(op, 0f, 0f);
    }

    /** {@code scale * x + shift}. */
    public static Unary affine(float scale, float shift) {
        return new Unary(UnaryOp.AFFINE, scale, shift);
    }

    /** {@code x ^ exponent}. */
    public static Unary pow(float exponent) {
        return new Unary(UnaryOp.POW, exponent, 0f);
    }

    /** {@code min(max(x, lo), hi)}. */
    public static Unary clamp(float lo, float hi) {
        return new Unary(UnaryOp.CLAMP, lo, hi);
    }

    /** 1 where {@code lo <= x <= hi}, else 0. */
    public static Unary inRange(float lo, float hi) {
        return new Unary(UnaryOp.IN_RANGE, lo, hi);
    }

    /** {@code x > 0 ? x : slope * x}. */
    public static Unary leakyRelu(float slope) {
        return new Unary(UnaryOp.LEAKY_RELU, slope, 0f);
    }

    private static String factoryName(UnaryOp op) {
        String[] words = op.label().split("_");
        StringBuilder sb = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            sb.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return sb.toString();
    }

    /** Like {@code leaky_relu(slope=0.01)} or {@code exp}. */
    @Override
    public String toString() {
        if (op.parameters().isEmpty()) {
            return op.label();
        }
        StringBuilder sb = new StringBuilder(op.label()).append('(');
        for (int i = 0; i < op.parameters().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(op.parameters().get(i)).append('=').append(i == 0 ? a : b);
        }
        return sb.append(')').toString();
    }
}

package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;

/** Argument checks shared by every op, so that their messages read alike. */
final class Checks {
    private Checks() {
    }

    /** Open, float32, and (for two or more) on one backend. */
    static void floats(String op, Tensor... tensors) {
        open(op, tensors);
        for (Tensor t : tensors) {
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(op + ": expected a float32 tensor, got " + t.dtype() + " of shape "
                        + t.shape());
            }
        }
        sameBackend(op, tensors);
    }

    static void open(String op, Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t == null) {
                throw new NullPointerException(op + ": tensor argument is null");
            }
            t.checkOpen(op);
        }
    }

    static void sameBackend(String op, Tensor... tensors) {
        for (int i = 1; i < tensors.length; i++) {
            Backend a = tensors[0].backend();
            Backend b = tensors[i].backend();
            if (a == b) {
                continue;
            }
            if (a.name().equals(b.name())) {
                // Two objects of one name: naming both 'cpu' would read as a contradiction, so say which is which.
                throw new IllegalArgumentException(op + ": tensors on two different backend objects that are both named '"
                        + a.name() + "': " + tensors[0].shape() + " on " + instance(a) + " and " + tensors[i].shape()
                        + " on " + instance(b) + " (a backend created twice is two backends: get it from Backends.get(\""
                        + a.name() + "\"), which shares one per name, or move one tensor with to(backend))");
            }
            throw new IllegalArgumentException(op + ": tensors on different backends: '" + a.name() + "' "
                    + tensors[0].shape() + " and '" + b.name() + "' " + tensors[i].shape() + " (move one with to(backend))");
        }
    }

    private static String instance(Backend b) {
        return "'" + b.name() + "'@" + Integer.toHexString(System.identityHashCode(b));
    }

    static void int32(String op, String what, Tensor t) {
        open(op, t);
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": " + what + " must be int32, got " + t.dtype() + " of shape " + t.shape());
        }
    }

    static void rank(String op, String what, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + what + " must be " + rank + "-D, got shape " + t.shape());
        }
    }
}

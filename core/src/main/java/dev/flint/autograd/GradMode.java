package dev.flint.autograd;

/**
 * Whether operations record the graph on this thread. Inference and optimizer updates run inside
 * a no-grad scope.
 *
 * <pre>{@code
 * try (var ignored = GradMode.noGrad()) {
 *     Tensor prediction = model.forward(x);   // no graph recorded
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** Whether recording is on for this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** A scope with recording off; closing it restores the previous mode. */
    public static Guard noGrad() {
        return set(false);
    }

    /** A scope with recording on; closing it restores the previous mode. */
    public static Guard enableGrad() {
        return set(true);
    }

    private static Guard set(boolean enabled) {
        boolean[] state = ENABLED.get();
        boolean previous = state[0];
        state[0] = enabled;
        return new Guard(previous);
    }

    /** Restores the previous mode when closed. */
    public static final class Guard implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Guard(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ENABLED.get()[0] = previous;
            }
        }
    }
}

package dev.flint.backend;

/** Whether a backend can run on this machine, and why not. */
public record Availability(boolean usable, String detail) {

    public static Availability usable(String detail) {
        return new Availability(true, detail);
    }

    public static Availability unusable(String reason) {
        return new Availability(false, reason);
    }
}

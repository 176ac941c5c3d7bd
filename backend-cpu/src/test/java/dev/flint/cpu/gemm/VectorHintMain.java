package dev.flint.cpu.gemm;

/** Chooses the GEMM kernel in a fresh JVM, so {@link VectorSupportTest} can read what it printed. */
final class VectorHintMain {
    private VectorHintMain() {
    }

    public static void main(String[] args) {
        System.out.println("kernel: " + VectorSupport.kernel().name());
    }
}

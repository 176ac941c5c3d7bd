package dev.flint.cuda;

/**
 * Whether cuBLAS may run FP32 GEMM on TF32 tensor cores: what Flint asks for ({@code flint.cuda.tf32}) and
 * what the environment says over it. NVIDIA's libraries read {@code NVIDIA_TF32_OVERRIDE} themselves:
 * {@code 0} turns TF32 off whatever the program asked; {@code 1} is reported to turn it on even where
 * the program asked for exact FP32 (CUBLAS_DEFAULT_MATH). Either way the program is not told, so Flint
 * reads the variable too and says so in the backend's description, the probe's report and a log line:
 * the cross-backend tolerances assume exact FP32.
 *
 * <pre>{@code
 * Tf32Mode m = Tf32Mode.current();   // flint.cuda.tf32=false, NVIDIA_TF32_OVERRIDE=1
 * m.effective();                     // true
 * m.note();                          // "NVIDIA_TF32_OVERRIDE=1 in the environment: cuBLAS may use TF32 ..."
 * }</pre>
 *
 * @param requested {@code flint.cuda.tf32}
 * @param override the value of {@code NVIDIA_TF32_OVERRIDE}, or {@code null} when unset
 */
record Tf32Mode(boolean requested, String override) {
    static final String VARIABLE = "NVIDIA_TF32_OVERRIDE";

    /** The property as read now and the variable of this process's environment. */
    static Tf32Mode current() {
        return new Tf32Mode(Boolean.getBoolean("flint.cuda.tf32"), System.getenv(VARIABLE));
    }

    /** Whether the override is set to a value NVIDIA's libraries act on ("0" or "1"). */
    boolean overridden() {
        return "0".equals(override) || "1".equals(override);
    }

    /** Whether FP32 GEMM may use TF32: the override when it is 0 or 1, else what Flint asked for. */
    boolean effective() {
        return overridden() ? "1".equals(override) : requested;
    }

    /** The GEMM math for descriptions: "FP32", "TF32 (flint.cuda.tf32)", or what the override made of it. */
    String describe() {
        if (!overridden()) {
            return requested ? "GEMM TF32 (flint.cuda.tf32=true)" : "GEMM FP32";
        }
        return (effective() ? "GEMM TF32" : "GEMM FP32") + " (" + note() + ")";
    }

    /** One sentence about the override, or "" when it is not set. */
    String note() {
        if (!overridden()) {
            return "";
        }
        String set = VARIABLE + "=" + override + " in the environment";
        if (effective() == requested) {
            return set + " (" + (requested ? "TF32" : "exact FP32") + ", as flint.cuda.tf32=" + requested + " asks)";
        }
        return requested
                ? set + ": cuBLAS uses exact FP32 although flint.cuda.tf32=true asks for TF32"
                : set + ": cuBLAS may use TF32 for FP32 GEMM although flint.cuda.tf32=false asks for exact FP32;"
                        + " results can differ from the CPU backend's beyond FP32 tolerances";
    }
}

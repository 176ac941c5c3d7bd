package dev.flint.cuda.loader;

/**
 * Run in a separate JVM by CublasLibraryLoadTest: optionally loads a stand-in cuBLAS by absolute path
 * (so that the dynamic loader finds its soname already loaded), then {@link CublasLibrary#load()}, and
 * prints what happened on one line for the test to read. With {@code --unchecked-sgemm} as second
 * argument it skips the loader's checks instead and calls {@code cublasSgemm} through JCublas2, to show
 * what a missing function does without them.
 */
public final class CublasLoadMain {
    private CublasLoadMain() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.load(args[0]);
        }
        if (args.length > 1 && args[1].equals("--unchecked-sgemm")) {
            uncheckedSgemm();
            return;
        }
        if (args.length > 1) {
            // A given JNI library file instead of CublasLibrary's choice.
            try {
                System.load(args[1]);
                System.out.println("LOADED " + args[1]);
            } catch (UnsatisfiedLinkError e) {
                System.out.println("FAILED " + e.getMessage());
            }
            return;
        }
        try {
            CublasLibrary.Loaded loaded = CublasLibrary.load();
            // Touches the initialized class: throws NoClassDefFoundError had its initialization failed.
            jcuda.jcublas.JCublas2.setExceptionsEnabled(true);
            System.out.println("LOADED " + loaded.cublas() + " retargeted=" + loaded.retargeted() + " "
                    + loaded.jniLibrary());
        } catch (CublasLibrary.CublasLoadException e) {
            System.out.println("FAILED " + e.getMessage());
        }
    }

    /** The retargeted JNI library loaded as JCuda would (no symbol check), then one SGEMM call. */
    private static void uncheckedSgemm() {
        try {
            java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
            CublasLibrary.Prepared files = CublasLibrary.prepare(tmp.resolve("jni"));
            // JCuda's loader takes <java.io.tmpdir>/<file> when it exists: put the retargeted copy there.
            java.nio.file.Files.copy(files.retargeted(), tmp.resolve(CublasLibrary.jniFileName()),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        jcuda.jcublas.cublasHandle handle = new jcuda.jcublas.cublasHandle();
        jcuda.jcublas.JCublas2.cublasCreate(handle);
        System.out.println("CREATED");
        System.out.flush();
        jcuda.Pointer one = jcuda.Pointer.to(new float[] {1f});
        jcuda.jcublas.JCublas2.cublasSgemm(handle, 0, 0, 1, 1, 1, one, new jcuda.Pointer(), 1, new jcuda.Pointer(), 1,
                one, new jcuda.Pointer(), 1);
        System.out.println("SGEMM returned");
    }
}

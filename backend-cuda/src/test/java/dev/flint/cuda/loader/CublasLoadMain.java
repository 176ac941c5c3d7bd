package dev.flint.cuda.loader;

/**
 * Run in a separate JVM by CublasLibraryLoadTest: optionally loads a stand-in cuBLAS by absolute path
 * (so that the dynamic loader finds its soname already loaded), then {@link CublasLibrary#load()}, and
 * prints what happened on one line for the test to read.
 */
public final class CublasLoadMain {
    private CublasLoadMain() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.load(args[0]);
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
}

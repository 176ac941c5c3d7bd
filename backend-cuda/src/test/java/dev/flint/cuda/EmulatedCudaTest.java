package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.cuda.loader.CublasLibrary;
import dev.flint.cuda.loader.StandInLibraries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every GPU test of this module, run without a GPU on an emulated driver: Flint's real kernels
 * ({@code src/main/cuda}) compiled for the host with g++ and {@code src/test/emulator/cuda_host_shim.h},
 * executed by a stand-in {@code libcuda.so.1} that runs each block's threads as coroutines (so
 * {@code __syncthreads} and warp shuffles are real barriers), with a stand-in {@code libcublas.so.13}
 * doing SGEMM on the host. The Java backend, JCuda's JNI libraries, CublasLibrary's retargeting, the
 * kernels' index arithmetic and their reductions all run for real; what is not tested is the GPU itself
 * (timing, memory model, real rounding of its math library). Skipped where g++ or nm is missing.
 */
class EmulatedCudaTest {
    private static final List<String> GPU_TESTS = List.of(
            CudaPrimitiveConformanceTest.class.getName(), CudaGradientConformanceTest.class.getName(),
            CudaTensorOpsTest.class.getName(), CudaInputValidationTest.class.getName(),
            CudaBackendTest.class.getName(), CudaCrossBackendTest.class.getName(),
            CudaPyTorchValuesTest.class.getName(), GpuTimingTest.class.getName());

    @Test
    void everyGpuTestPassesOnTheEmulatedDriver(@TempDir Path dir) throws Exception {
        StandInLibraries.assumeToolchain();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/g++")) || onPath("g++"), "g++ is needed");
        Path cudaDir = firstExisting(Path.of("src/main/cuda"), Path.of("backend-cuda/src/main/cuda"));
        Path emuDir = firstExisting(Path.of("src/test/emulator"), Path.of("backend-cuda/src/test/emulator"));
        Assumptions.assumeTrue(cudaDir != null && emuDir != null, "the CUDA sources and the emulator are not here");

        Path libcuda = buildDriver(dir, cudaDir, emuDir);
        Path libcublas = buildCublas(dir, emuDir, libcuda);
        List<String> args = new ArrayList<>(List.of(libcuda.toString(), libcublas.toString()));
        // -Dflint.emulated.only=CudaBackendTest,... runs just those (while working on one part; not for CI).
        String only = System.getProperty("flint.emulated.only", "");
        List<String> tests = GPU_TESTS.stream().filter(t -> only.isEmpty()
                || List.of(only.split(",")).contains(t.substring(t.lastIndexOf('.') + 1))).toList();
        args.addAll(tests);
        String out = StandInLibraries.runMainWith(dir, java.util.Map.of(), List.of("--add-modules",
                "jdk.incubator.vector"), EmulatedCudaMain.class, args.toArray(new String[0]));
        String summary = StandInLibraries.resultLine(out, "EMULATED");
        System.out.println("[emulated cuda] " + summary);
        assertClean(summary, out, only.isEmpty() ? 500 : 1);

        // A 256 MiB device for the out-of-memory paths, with a 64 MiB cuBLAS workspace for the GEMM ones.
        String small = StandInLibraries.runMainWith(dir, java.util.Map.of("EMU_CUDA_MEMORY_MIB", "256",
                "EMU_CUBLAS_WORKSPACE_MIB", "64"), List.of(),
                EmulatedCudaMain.class, libcuda.toString(), libcublas.toString(), CudaOutOfMemoryTest.class.getName());
        String smallSummary = StandInLibraries.resultLine(small, "EMULATED");
        System.out.println("[emulated cuda, 256 MiB] " + smallSummary);
        assertClean(smallSummary, small, 4);

        // An unknown op code traps, which loses the context: a process of its own.
        String trap = StandInLibraries.runMainWith(dir, java.util.Map.of("EMU_CUDA_TRAP_TEST", "1"), List.of(),
                EmulatedCudaMain.class, libcuda.toString(), libcublas.toString(), CudaTrapTest.class.getName());
        String trapSummary = StandInLibraries.resultLine(trap, "EMULATED");
        System.out.println("[emulated cuda, trap] " + trapSummary);
        assertClean(trapSummary, trap, 1);

        // Training steps must not wait for the device: the driver itself counts the syncs and copies back.
        String syncs = StandInLibraries.runMainWith(dir, java.util.Map.of("EMU_CUDA_SYNC_COUNT_FILE",
                dir.resolve("sync-counts.txt").toString()), List.of("--add-modules", "jdk.incubator.vector"),
                EmulatedCudaMain.class, libcuda.toString(), libcublas.toString(), CudaHostSyncTest.class.getName());
        String syncSummary = StandInLibraries.resultLine(syncs, "EMULATED");
        System.out.println("[emulated cuda, sync counts] " + syncSummary);
        syncs.lines().filter(l -> l.startsWith("[emulated cuda]")).forEach(System.out::println);
        assertClean(syncSummary, syncs, 2);
    }

    private static void assertClean(String summary, String out, int atLeast) {
        Matcher m = Pattern.compile("succeeded=(\\d+) failed=(\\d+) aborted=(\\d+)").matcher(summary);
        assertTrue(m.find(), summary);
        int succeeded = Integer.parseInt(m.group(1));
        int failed = Integer.parseInt(m.group(2));
        int aborted = Integer.parseInt(m.group(3));
        String failures = out.lines().filter(l -> !l.startsWith("[") && !l.startsWith("WARNING"))
                .reduce((a, b) -> a + "\n" + b).orElse("");
        assertTrue(failed == 0 && aborted == 0 && succeeded >= atLeast, summary + "\n" + failures);
    }

    /** libcuda.so.1: the kernels compiled for the host, the emulator, and a stub for every other driver call. */
    private static Path buildDriver(Path dir, Path cudaDir, Path emuDir) throws IOException, InterruptedException {
        Path shim = emuDir.resolve("cuda_host_shim.h").toAbsolutePath();
        Files.writeString(dir.resolve("kernel_table.inc"), kernelTable(cudaDir));
        List<String> objects = new ArrayList<>();
        try (var files = Files.list(cudaDir)) {
            for (Path cu : files.filter(p -> p.toString().endsWith(".cu")).sorted().toList()) {
                Path o = dir.resolve(cu.getFileName() + ".o");
                gxx(dir, "-c", "-x", "c++", "-include", shim.toString(), "-I", cudaDir.toAbsolutePath().toString(),
                        cu.toAbsolutePath().toString(), "-o", o.toString());
                objects.add(o.toString());
            }
        }
        Path driverSource = emuDir.resolve("emu_driver.cpp");
        Path driver = dir.resolve("emu_driver.o");
        gxx(dir, "-c", "-include", shim.toString(), "-I", cudaDir.toAbsolutePath().toString(), "-I", dir.toString(),
                driverSource.toAbsolutePath().toString(), "-o", driver.toString());
        objects.add(driver.toString());

        Set<String> defined = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^int (cu\\w+)\\(").matcher(Files.readString(driverSource));
        while (m.find()) {
            defined.add(m.group(1));
        }
        StringBuilder stubs = new StringBuilder("/* every other driver call JCuda binds: not supported */\n");
        for (String f : StandInLibraries.undefinedFunctions(dir, "libJCudaDriver-12.6.0-linux-x86_64.so", "cu", "")) {
            if (!defined.contains(f)) {
                stubs.append("int ").append(f).append("(void) { return 801; }\n");
            }
        }
        Path stubSource = Files.writeString(dir.resolve("driver_stubs.c"), stubs.toString());
        Path stubObject = dir.resolve("driver_stubs.o");
        run(dir, "gcc", "-c", "-fPIC", stubSource.toString(), "-o", stubObject.toString());
        objects.add(stubObject.toString());

        Path lib = dir.resolve("libcuda.so.1");
        List<String> link = new ArrayList<>(List.of("g++", "-shared", "-o", lib.toString(), "-Wl,-soname,libcuda.so.1"));
        link.addAll(objects);
        run(dir, link.toArray(new String[0]));
        return lib;
    }

    /**
     * libcublas.so.13: SGEMM and the handle calls on the host, every other function a failing stub; linked
     * against the emulated libcuda.so.1 (for its workspace allocation and deferred copies).
     */
    private static Path buildCublas(Path dir, Path emuDir, Path libcuda) throws IOException, InterruptedException {
        Path source = emuDir.resolve("emu_cublas.cpp");
        Set<String> defined = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^int (cublas\\w+)\\(").matcher(Files.readString(source));
        while (m.find()) {
            defined.add(m.group(1));
        }
        StringBuilder stubs = new StringBuilder("/* every other cuBLAS function JCublas2 binds: not supported */\n");
        for (String f : StandInLibraries.undefinedFunctions(dir, CublasLibrary.jniFileName(), "", "libcublas.so.12")) {
            if (!defined.contains(f)) {
                stubs.append("int ").append(f).append("(void) { return 15; }\n");
            }
        }
        Path stubSource = Files.writeString(dir.resolve("cublas_stubs.c"), stubs.toString());
        Path map = Files.writeString(dir.resolve("cublas.map"), "libcublas.so.13 { global: *; };\n");
        Path lib = dir.resolve("libcublas.so.13");
        run(dir, "g++", "-shared", "-fPIC", "-O1", "-o", lib.toString(), "-Wl,-soname,libcublas.so.13",
                "-Wl,--version-script=" + map, source.toAbsolutePath().toString(), "-x", "c", stubSource.toString(),
                "-x", "none", "-L" + libcuda.getParent(), "-l:" + libcuda.getFileName());
        return lib;
    }

    /**
     * kernel_table.inc: for each {@code extern "C" __global__} kernel of the sources, a declaration, a thunk
     * that unpacks cuLaunchKernel's parameter array ({@code params[i]} points at argument i), and a table entry.
     */
    static String kernelTable(Path cudaDir) throws IOException {
        Pattern kernel = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)");
        StringBuilder decls = new StringBuilder("// Generated by EmulatedCudaTest from src/main/cuda; do not edit.\n");
        StringBuilder table = new StringBuilder("static const EmuKernel EMU_KERNELS[] = {\n");
        try (var files = Files.list(cudaDir)) {
            for (Path cu : files.filter(p -> p.toString().endsWith(".cu")).sorted().toList()) {
                Matcher m = kernel.matcher(Files.readString(cu));
                while (m.find()) {
                    String name = m.group(1);
                    List<String> types = new ArrayList<>();
                    for (String param : m.group(2).split(",")) {
                        String p = param.trim().replaceAll("\\s+", " ");
                        types.add(p.substring(0, p.lastIndexOf(' ')).trim());
                    }
                    decls.append("extern \"C\" void ").append(name).append('(').append(String.join(", ", types))
                            .append(");\n");
                    decls.append("static void thunk_").append(name).append("(void **p) { ").append(name).append('(');
                    for (int i = 0; i < types.size(); i++) {
                        decls.append(i == 0 ? "" : ", ").append("*(").append(types.get(i)).append(" *) p[").append(i)
                                .append(']');
                    }
                    decls.append("); }\n");
                    table.append("    {\"").append(name).append("\", thunk_").append(name).append("},\n");
                }
            }
        }
        return decls.append(table).append("};\n").toString();
    }

    private static void gxx(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("g++", "-std=c++17", "-O1", "-fPIC", "-w"));
        cmd.addAll(List.of(args));
        run(dir, cmd.toArray(new String[0]));
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
        }
    }

    private static Path firstExisting(Path... candidates) {
        for (Path c : candidates) {
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        return null;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}

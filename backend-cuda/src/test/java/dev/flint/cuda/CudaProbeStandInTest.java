package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.cuda.loader.CublasLibrary;
import dev.flint.cuda.loader.StandInLibraries;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe's reasons, each produced for real without a GPU: a stand-in {@code libcuda.so.1} (built
 * with gcc; every driver function JCuda binds, most returning CUDA_ERROR_NOT_SUPPORTED, and the device
 * queries answering from environment variables) is loaded in a fresh JVM before JCuda's driver library,
 * which then links against it. So the no-device, old-GPU, old-driver, no-cuBLAS and cuBLAS-lacking-a-function
 * paths run through the real JCuda JNI code, {@code NVIDIA_TF32_OVERRIDE} shows in the report, and a driver
 * that fails on the first context call fails {@code create()} with a {@code BackendUnavailableException},
 * not a crash. Skipped where gcc or nm is missing.
 */
class CudaProbeStandInTest {
    private static final String DEVICE_QUERIES = """
            static int env_int(const char *name, int otherwise) {
                const char *v = getenv(name);
                return v ? atoi(v) : otherwise;
            }
            int cuInit(unsigned int flags) { return env_int("FAKE_CUDA_COUNT", 1) == 0 ? 100 : 0; }
            int cuDeviceGetCount(int *count) { *count = env_int("FAKE_CUDA_COUNT", 1); return 0; }
            int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
            int cuDeviceGetAttribute(int *value, int attribute, int device) {
                switch (attribute) {
                    case 75: *value = env_int("FAKE_CUDA_MAJOR", 9); break;   /* compute capability major */
                    case 76: *value = env_int("FAKE_CUDA_MINOR", 0); break;   /* compute capability minor */
                    case 16: *value = 132; break;                             /* multiprocessors */
                    default: *value = 0;
                }
                return 0;
            }
            int cuDeviceGetName(char *name, int len, int device) { strncpy(name, "Stand-in GPU", len); return 0; }
            int cuDeviceTotalMem_v2(size_t *bytes, int device) { *bytes = (size_t) 80 << 30; return 0; }
            int cuDriverGetVersion(int *version) { *version = env_int("FAKE_CUDA_DRIVER", 13000); return 0; }
            int cuGetErrorString(int error, const char **text) { *text = "stand-in driver"; return 0; }
            """;
    private static final List<String> DEFINED = List.of("cuInit", "cuDeviceGetCount", "cuDeviceGet",
            "cuDeviceGetAttribute", "cuDeviceGetName", "cuDeviceTotalMem_v2", "cuDriverGetVersion", "cuGetErrorString");

    private static Path libcuda;
    private static Path libcublas13;
    private static Path libcublas13WithoutSgemm;

    @BeforeAll
    static void buildStandIns(@TempDir Path dir) throws IOException, InterruptedException {
        StandInLibraries.assumeToolchain();
        List<String> driver = new ArrayList<>(StandInLibraries.undefinedFunctions(dir,
                "libJCudaDriver-12.6.0-linux-x86_64.so", "cu", ""));
        assertTrue(driver.containsAll(DEFINED), "JCuda's driver library binds the queries the probe makes: " + driver);
        driver.removeAll(DEFINED);
        libcuda = StandInLibraries.build(dir, "libcuda.so.1", "", driver, 801, DEVICE_QUERIES);
        List<String> cublas = StandInLibraries.undefinedFunctions(dir, CublasLibrary.jniFileName(), "", "libcublas.so.12");
        libcublas13 = StandInLibraries.build(dir, "libcublas.so.13", "libcublas.so.13", cublas, 0, "");
        List<String> lacking = new ArrayList<>(cublas);
        lacking.remove("cublasSgemm_v2");
        Path other = java.nio.file.Files.createDirectories(dir.resolve("lacking"));
        libcublas13WithoutSgemm = StandInLibraries.build(other, "libcublas.so.13", "libcublas.so.13", lacking, 0, "");
    }

    private static List<String> probe(Path dir, Map<String, String> env, Path... preload)
            throws IOException, InterruptedException {
        String[] args = new String[preload.length];
        for (int i = 0; i < preload.length; i++) {
            args[i] = preload[i].toString();
        }
        String out = StandInLibraries.runMainWith(dir, env, List.of(), CudaProbeMain.class, args);
        return out.lines().filter(l -> l.startsWith("PROBE") || l.startsWith("CREATE")).toList();
    }

    @Test
    void noDevice(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of("FAKE_CUDA_COUNT", "0"), libcuda);
        assertEquals(List.of("PROBE usable=false detail=no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)"), out);
    }

    @Test
    void computeCapabilityTooLow(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of("FAKE_CUDA_MAJOR", "6", "FAKE_CUDA_MINOR", "1"), libcuda);
        assertEquals(List.of("PROBE usable=false detail=compute capability 6.1 < 7.5 (Stand-in GPU)"), out);
    }

    @Test
    void driverTooOldForThePtx(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of("FAKE_CUDA_MAJOR", "7", "FAKE_CUDA_MINOR", "5", "FAKE_CUDA_DRIVER",
                "12040"), libcuda);
        assertEquals(List.of("PROBE usable=false detail=the driver supports CUDA 12.4, but Flint's kernels are built"
                + " with nvcc 13 and need a driver for CUDA 13.0 or newer (R580+): compute capability 7.5 has no"
                + " prebuilt cubin, and our PTX (ISA 9.0) can only be JIT-compiled by such a driver; update the NVIDIA"
                + " driver"), out);
    }

    @Test
    void driverTooOldEvenWhereACubinFits(@TempDir Path dir) throws Exception {
        // The check no longer depends on the PTX: code from a CUDA 13 toolkit needs an R580+ driver anyway.
        List<String> out = probe(dir, Map.of("FAKE_CUDA_MAJOR", "8", "FAKE_CUDA_MINOR", "6", "FAKE_CUDA_DRIVER",
                "12080"), libcuda, libcublas13);
        assertEquals(List.of("PROBE usable=false detail=the driver supports CUDA 12.8, but Flint's kernels are built"
                + " with nvcc 13 and need a driver for CUDA 13.0 or newer (R580+): the sm_80 cubins it would load come"
                + " from CUDA 13, which supports them on R580+ drivers only; update the NVIDIA driver"), out);
    }

    @Test
    void noCublas(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of(), libcuda);
        Assumptions.assumeFalse(out.get(0).startsWith("PROBE usable=true"), "this machine has a cuBLAS of its own, so"
                + " 'no cuBLAS' cannot be produced here: " + out.get(0));
        assertEquals(1, out.size(), out.toString());
        assertTrue(out.get(0).startsWith("PROBE usable=false detail=cuBLAS JNI library could not be loaded: neither"
                + " libcublas.so.12 nor libcublas.so.13 found"), out.get(0));
    }

    @Test
    void cublasLackingAFunctionFlintCallsIsUnusableNamingIt(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of(), libcuda, libcublas13WithoutSgemm);
        assertEquals(List.of("PROBE usable=false detail=cuBLAS unusable: " + libcublas13WithoutSgemm + " lacks"
                + " cublasSgemm_v2 under version libcublas.so.13, which Flint calls (through JCublas2); the first call"
                + " would end the JVM with 'symbol lookup error'. Install a cuBLAS that has it (CUDA 12 or 13), or put"
                + " its folder first on LD_LIBRARY_PATH"), out);
    }

    @Test
    void tf32OverrideIsReported(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of("NVIDIA_TF32_OVERRIDE", "1"), libcuda, libcublas13);
        assertTrue(out.get(0).startsWith("PROBE usable=true "), out.toString());
        assertTrue(out.get(0).endsWith("; NVIDIA_TF32_OVERRIDE=1 in the environment: cuBLAS may use TF32 for FP32"
                + " GEMM although flint.cuda.tf32=false asks for exact FP32; results can differ from the CPU backend's"
                + " beyond FP32 tolerances"), out.get(0));
    }

    @Test
    void usableThenAFailingDriverFailsCreateWithoutACrash(@TempDir Path dir) throws Exception {
        List<String> out = probe(dir, Map.of(), libcuda, libcublas13);
        assertEquals(2, out.size(), out.toString());
        assertEquals("PROBE usable=true detail=Stand-in GPU (compute 9.0, 80.0 GiB, 132 SMs, driver CUDA 13.0);"
                + " libcublas.so.13 (" + libcublas13 + ")", out.get(0));
        assertTrue(out.get(1).startsWith("CREATE failed: backend 'cuda' unavailable: creating it on Stand-in GPU"),
                out.get(1));
        assertTrue(out.get(1).contains("CUDA_ERROR_NOT_SUPPORTED"), out.get(1));
    }
}

package dev.flint.cuda.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.BinaryOp;
import dev.flint.backend.UnaryOp;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernels' op codes come from the Java enums: the committed {@code op_codes.cuh} is what
 * {@link OpCodes} generates today, and every kernel switch has a case for every entry. Forgetting to
 * regenerate after adding an op, or forgetting its CUDA case, fails here, without a GPU.
 */
class OpCodesTest {
    private static final String REGENERATE = "; run backend-cuda/src/main/cuda/build-kernels.sh --update (it regenerates"
            + " op_codes.cuh from the enums and rebuilds the kernels) and commit the result";

    @Test
    void committedHeaderIsGeneratedFromTheEnums() throws IOException {
        String committed = Files.readString(CudaSources.dir().resolve("op_codes.cuh"));
        assertEquals(OpCodes.header(), committed, "src/main/cuda/op_codes.cuh is stale" + REGENERATE);
    }

    @Test
    void everyUnaryOpHasAnArm() throws IOException {
        String arms = body(Files.readString(CudaSources.dir().resolve("elementwise.cu")), "unary_op");
        List<String> missing = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            if (!arms.contains("case U_" + op.name() + ":")) {
                missing.add("U_" + op.name());
            }
        }
        assertTrue(missing.isEmpty(), "elementwise.cu: unary_op has no arm for " + missing);
    }

    @Test
    void everyBinaryOpHasACase() throws IOException {
        String binary = body(Files.readString(CudaSources.dir().resolve("elementwise.cu")), "apply_binary");
        for (BinaryOp op : BinaryOp.values()) {
            assertTrue(binary.contains("case B_" + op.name() + ":"), "elementwise.cu apply_binary lacks case B_" + op);
        }
    }

    @Test
    void everySwitchOnACodeTrapsOnAnUnknownOne() throws IOException {
        String elementwise = Files.readString(CudaSources.dir().resolve("elementwise.cu"));
        assertTrue(body(elementwise, "unary_op").contains("FLINT_UNKNOWN_OP();"),
                "unary_op must trap on an unknown code, not return a value");
        assertTrue(body(elementwise, "apply_binary").contains("default: FLINT_UNKNOWN_OP();"),
                "apply_binary must trap on an unknown code, not return a value");
        assertTrue(body(Files.readString(CudaSources.dir().resolve("reduce.cu")), "reduce_identity")
                .contains("default: FLINT_UNKNOWN_OP();"), "reduce_identity must trap on an unknown code");
        assertTrue(Files.readString(CudaSources.dir().resolve("common.cuh")).contains("#define FLINT_UNKNOWN_OP() __trap()"));
    }

    /** The text of the device function {@code name}, from its signature to its closing brace. */
    private static String body(String source, String name) {
        int start = source.indexOf(" " + name + "(");
        assertTrue(start >= 0, "no function " + name);
        int open = source.indexOf('{', start);
        int depth = 0;
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0) {
                return source.substring(open, i + 1);
            }
        }
        throw new AssertionError("unbalanced braces in " + name);
    }
}

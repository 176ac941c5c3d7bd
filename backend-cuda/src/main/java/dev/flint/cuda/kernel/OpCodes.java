package dev.flint.cuda.kernel;

import dev.flint.backend.BinaryOp;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.UnaryOp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The integer op codes our kernels switch on: an op's code is its ordinal in the SPI enum, and
 * {@code src/main/cuda/op_codes.cuh} is generated from the enums by {@link #main}, which
 * {@code build-kernels.sh --update} runs. OpCodesTest fails the build when the committed header is
 * stale or a kernel switch lacks a case, and a kernel given a code it does not know traps (the launch
 * fails) instead of returning a value. This class depends on nothing but the enums, so the script can
 * compile it alone.
 */
public final class OpCodes {
    /** The generated header's first line. */
    static final String GENERATED = "// Generated from dev.flint.backend.UnaryOp, BinaryOp and ReduceOp by "
            + "dev.flint.cuda.kernel.OpCodes";

    private OpCodes() {
    }

    public static int of(UnaryOp op) {
        return op.ordinal();
    }

    public static int of(BinaryOp op) {
        return op.ordinal();
    }

    public static int of(ReduceOp op) {
        return op.ordinal();
    }

    /** The text of {@code op_codes.cuh}. */
    public static String header() {
        StringBuilder sb = new StringBuilder();
        sb.append(GENERATED).append("\n");
        sb.append("// (backend-cuda/src/main/cuda/build-kernels.sh --update runs it); do not edit.\n");
        sb.append("// Each code is the entry's ordinal: OpCodesTest fails the build when this file is stale.\n");
        sb.append("#pragma once\n\n");
        enumeration(sb, "UnaryCode", "U_", UnaryOp.values());
        enumeration(sb, "BinaryCode", "B_", BinaryOp.values());
        enumeration(sb, "ReduceCode", "R_", ReduceOp.values());
        return sb.toString();
    }

    private static void enumeration(StringBuilder sb, String type, String prefix, Enum<?>[] values) {
        sb.append("enum ").append(type).append(" {\n");
        for (Enum<?> v : values) {
            sb.append("    ").append(prefix).append(v.name()).append(" = ").append(v.ordinal()).append(",\n");
        }
        sb.append("};\n\n");
    }

    /** Writes the header to the path given (or prints it). */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.out.print(header());
        } else {
            Files.writeString(Path.of(args[0]), header(), StandardCharsets.UTF_8);
        }
    }
}

package dev.flint.cuda.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.backend.Activation;
import dev.flint.backend.BinaryOp;
import dev.flint.backend.ReduceOp;
import dev.flint.backend.UnaryOp;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java op codes agree with the enums in common.cuh, entry by entry, and every SPI value has one. */
class KernelCodesTest {
    private static Map<String, Integer> header() throws IOException {
        String text = Files.readString(CudaSources.dir().resolve("common.cuh"));
        Map<String, Integer> codes = new HashMap<>();
        Matcher m = Pattern.compile("\\b([UBRA]_[A-Z_]+) = (\\d+)").matcher(text);
        while (m.find()) {
            codes.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return codes;
    }

    private static <E extends Enum<E>> void check(String prefix, Class<E> type, ToIntFunction<E> code)
            throws IOException {
        Map<String, Integer> codes = header();
        long declared = codes.keySet().stream().filter(k -> k.startsWith(prefix + "_")).count();
        assertEquals(type.getEnumConstants().length, declared, "common.cuh declares one " + prefix + "_ code per "
                + type.getSimpleName());
        for (E value : type.getEnumConstants()) {
            String name = prefix + "_" + value.name();
            assertEquals(codes.get(name), code.applyAsInt(value), name + " in common.cuh vs KernelCodes");
        }
    }

    @Test
    void unaryCodesMatch() throws IOException {
        check("U", UnaryOp.class, KernelCodes::of);
    }

    @Test
    void binaryCodesMatch() throws IOException {
        check("B", BinaryOp.class, KernelCodes::of);
    }

    @Test
    void reduceCodesMatch() throws IOException {
        check("R", ReduceOp.class, KernelCodes::of);
    }

    @Test
    void activationCodesMatch() throws IOException {
        check("A", Activation.class, KernelCodes::of);
    }
}

package dev.flint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.DType;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    /** The float64 reference backend of flint-core's tests (registered on the test class path only). */
    private static final Backend BACKEND = Backends.get("reference");

    @TempDir
    Path dir;

    private static Map<String, HostTensor> sample() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("fc2.weight", HostTensor.ofFloats(new int[] {2, 3}, new float[] {1.5f, -2, 0, Float.MIN_VALUE,
                Float.NaN, Float.NEGATIVE_INFINITY}));
        m.put("fc1.bias", HostTensor.ofFloats(new int[] {3}, new float[] {0.1f, 0.2f, 0.3f}));
        m.put("steps", HostTensor.ofInts(new int[] {}, new int[] {42}));
        m.put("empty", HostTensor.ofFloats(new int[] {0, 4}, new float[0]));
        m.put("labels", HostTensor.ofInts(new int[] {2, 2}, new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}));
        return m;
    }

    /** The bytes of a safetensors file with the given header text and data section. */
    private Path raw(String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data);
        Path p = dir.resolve("model.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String error(String header, int dataBytes) throws IOException {
        Path p = raw(header, new byte[dataBytes]);
        return assertThrows(CorruptFileException.class, () -> SafeTensors.readHost(p)).getMessage();
    }

    @Test
    void hostRoundTripKeepsOrderValuesAndMetadata() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("epochs", "12");
        SafeTensors.writeHost(p, sample(), meta);
        SafeTensors.Contents c = SafeTensors.readHost(p);
        assertEquals(List.copyOf(sample().keySet()), List.copyOf(c.tensors().keySet()));
        assertEquals(sample(), c.tensors());
        assertEquals(meta, c.metadata());
        assertEquals(List.of("format", "epochs"), List.copyOf(SafeTensors.readMetadata(p).keySet()));
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Files.writeString(p, "an older, longer file that is not safetensors at all");
        SafeTensors.writeHost(p, Map.of("x", HostTensor.ofInts(new int[] {1}, new int[] {5})), Map.of());
        assertArrayEquals(new int[] {5}, SafeTensors.readHost(p).tensors().get("x").ints());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void writesTheLayoutOfTheReferenceImplementation() throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafeTensors.writeHost(p, Map.of("w", HostTensor.ofFloats(new int[] {2}, new float[] {1f, -2f})),
                Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(p);
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer expected = ByteBuffer.allocate(8 + padded + 8).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(padded).put((json + " ".repeat(padded - json.length())).getBytes(StandardCharsets.UTF_8));
        expected.putFloat(1f).putFloat(-2f);
        assertArrayEquals(expected.array(), bytes);
    }

    @Test
    void headerIsPaddedToEightBytesAndOmitsEmptyMetadata() throws IOException {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            byte[] header = SafeTensors.header(Map.of("x".repeat(nameLength),
                    HostTensor.ofInts(new int[] {1}, new int[] {7})), Map.of());
            assertEquals(0, header.length % 8);
            String text = new String(header, StandardCharsets.UTF_8);
            assertTrue(text.startsWith("{\"" + "x".repeat(nameLength) + "\":{"), text);
            assertTrue(text.stripTrailing().endsWith("}"), text);
        }
    }

    @Test
    void tensorRoundTripOnABackend() throws IOException {
        Path p = dir.resolve("t.safetensors");
        Map<String, Tensor> params = new LinkedHashMap<>();
        try (Tensor w = Tensor.on(BACKEND).fromFloats(new float[] {1, 2, 3, 4, 5, 6}, Shape.of(3, 2));
             Tensor y = Tensor.on(BACKEND).fromInts(new int[] {3, 1, 4}, Shape.of(3))) {
            params.put("w", w);
            params.put("y", y);
            SafeTensors.write(p, params, Map.of("note", "flint"));
            assertTrue(!w.isClosed(), "write must leave the tensors open");
        }
        Map<String, Tensor> back = SafeTensors.read(p, BACKEND);
        try {
            assertEquals(List.of("w", "y"), List.copyOf(back.keySet()));
            assertEquals(Shape.of(3, 2), back.get("w").shape());
            assertEquals(DType.FLOAT32, back.get("w").dtype());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.get("w").toFloatArray());
            assertEquals(DType.INT32, back.get("y").dtype());
            assertArrayEquals(new int[] {3, 1, 4}, back.get("y").toIntArray());
            assertEquals(BACKEND, back.get("y").backend());
        } finally {
            back.values().forEach(Tensor::close);
        }
    }

    @Test
    void writeRejectsReservedAndEmptyNames() {
        HostTensor t = HostTensor.ofInts(new int[] {1}, new int[] {1});
        assertEquals("safetensors: '__metadata__' is reserved for metadata and cannot name a tensor",
                assertThrows(IllegalArgumentException.class,
                        () -> SafeTensors.writeHost(dir.resolve("x"), Map.of("__metadata__", t), Map.of())).getMessage());
        assertEquals("safetensors: tensor names must be non-empty", assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.writeHost(dir.resolve("x"), Map.of("", t), Map.of())).getMessage());
    }

    @Test
    void hostTensorChecksItsShape() {
        assertEquals("HostTensor: shape [2, 3] holds 6 elements, array has 5", assertThrows(
                IllegalArgumentException.class, () -> HostTensor.ofFloats(new int[] {2, 3}, new float[5])).getMessage());
        assertThrows(IllegalStateException.class, () -> HostTensor.ofFloats(new int[] {1}, new float[1]).ints());
    }

    // ------------------------------------------------------------------ corrupt files

    private static final String ONE = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void acceptsAWellFormedHandWrittenFile() throws IOException {
        SafeTensors.Contents c = SafeTensors.readHost(raw(ONE, new byte[8]));
        assertArrayEquals(new float[] {0, 0}, c.tensors().get("a").floats());
    }

    @Test
    void rejectsAFileTooShortForTheLength() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertEquals("short.safetensors: too short for a safetensors file: 3 bytes, expected at least 8 "
                + "(the header length)", assertThrows(CorruptFileException.class, () -> SafeTensors.readHost(p)).getMessage());
        Files.write(p, new byte[0]);
        assertThrows(CorruptFileException.class, () -> SafeTensors.readHost(p));
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() throws IOException {
        Path p = dir.resolve("long.safetensors");
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put(new byte[12]);
        Files.write(p, b.array());
        assertEquals("long.safetensors: header length 1000 exceeds the file: only 12 bytes follow the 8-byte length",
                assertThrows(CorruptFileException.class, () -> SafeTensors.readHost(p)).getMessage());
        b.clear();
        b.putLong(-1L);
        Files.write(p, b.array());
        assertEquals("long.safetensors: header length 18446744073709551615 exceeds the file: only 12 bytes follow "
                + "the 8-byte length", assertThrows(CorruptFileException.class, () -> SafeTensors.readHost(p)).getMessage());
    }

    @Test
    void rejectsBadJson() throws IOException {
        String m = error("{\"a\": {\"dtype\": \"F32\",", 0);
        assertTrue(m.startsWith("model.safetensors: header is not valid JSON: "), m);
        assertEquals("model.safetensors: header must be a JSON object, found ARRAY", error("[1, 2, 3]", 0));
        m = error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        assertTrue(m.contains("Duplicate field 'a'"), m);
    }

    @Test
    void rejectsAnUnknownDtype() throws IOException {
        assertEquals("model.safetensors: tensor 'a': dtype 'F16' is not supported (Flint reads F32 and I32)",
                error("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        assertEquals("model.safetensors: tensor 'a': 'dtype' must be a string, found 32",
                error("{\"a\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
    }

    @Test
    void rejectsMalformedEntries() throws IOException {
        assertEquals("model.safetensors: tensor 'a': expected an object with dtype, shape and data_offsets, "
                + "found STRING", error("{\"a\":\"F32\"}", 0));
        assertEquals("model.safetensors: tensor 'a': 'shape' must be an array of non-negative integers, found nothing",
                error("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8));
        assertEquals("model.safetensors: tensor 'a': 'shape' must be an array of non-negative integers below 2^31, "
                + "found [2,-1]", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8));
        assertEquals("model.safetensors: tensor 'a': 'data_offsets' must be [begin, end] with non-negative integers, "
                + "found [0]", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8));
        assertEquals("model.safetensors: tensor 'a': data_offsets [8, 0] run backwards",
                error("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8));
        assertEquals("model.safetensors: tensor 'a': shape [65536, 65536] has more than 2147483647 elements, "
                + "more than Flint can hold",
                error("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8));
    }

    @Test
    void rejectsASizeThatDoesNotMatchTheShape() throws IOException {
        assertEquals("model.safetensors: tensor 'a': shape [2, 3] of F32 needs 24 bytes, data_offsets [0, 20] span 20",
                error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20));
    }

    @Test
    void rejectsOffsetsBeyondTheData() throws IOException {
        assertEquals("model.safetensors: tensor 'a': data_offsets [0, 8] reach beyond the data section, which has "
                + "4 bytes", error(ONE, 4));
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        assertEquals("model.safetensors: tensors 'a' [0, 8] and 'b' [4, 12] overlap",
                error("{\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12));
    }

    @Test
    void rejectsGapsAndBytesThatBelongToNoTensor() throws IOException {
        assertEquals("model.safetensors: gap of 4 bytes before tensor 'b' (begins at 12, the previous tensor ends at 8)",
                error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16));
        assertEquals("model.safetensors: data section has 12 bytes but the tensors cover 8; 4 bytes belong to no tensor",
                error(ONE, 12));
    }

    @Test
    void rejectsMetadataThatIsNotStrings() throws IOException {
        assertEquals("model.safetensors: __metadata__ must map strings to strings; 'epochs' is NUMBER",
                error("{\"__metadata__\":{\"epochs\":12}," + ONE.substring(1), 8));
        assertEquals("model.safetensors: __metadata__ must be an object of strings, found ARRAY",
                error("{\"__metadata__\":[]}", 0));
    }
}

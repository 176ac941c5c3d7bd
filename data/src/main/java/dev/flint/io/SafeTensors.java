package dev.flint.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format,
 * so parameters saved by Flint load in PyTorch ({@code safetensors.torch.load_file}) and back.
 *
 * <pre>{@code
 * SafeTensors.write(Path.of("model.safetensors"), model.stateDict(), Map.of("epochs", "10"));
 * Map<String, Tensor> params = SafeTensors.read(Path.of("model.safetensors"), Backends.get("cpu"));
 * }</pre>
 *
 * <p>Layout: an unsigned 64-bit little-endian header length {@code N}; {@code N} bytes of UTF-8 JSON
 * {@code {"__metadata__": {...}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}},
 * padded with spaces so the data starts 8-byte aligned (as the reference implementation writes it);
 * then the data section, each tensor row-major little-endian at its offsets, relative to the
 * section's start. Flint reads and writes {@code F32} and {@code I32}.
 *
 * <p>Reading is strict in the same places as the reference implementation, so a file this class
 * accepts, PyTorch accepts too: the tensors must tile the data section exactly (no overlap, no gap,
 * nothing after the last), each tensor's byte span must equal its shape times its element size, and
 * names must be unique. Every violation is a {@link CorruptFileException} naming the file, the tensor
 * and the numbers that disagree.
 */
public final class SafeTensors {
    /** The reserved header key holding the free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";
    /** Largest header accepted, the reference implementation's limit (guards against garbage lengths). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final int CHUNK_BYTES = 1 << 20;

    private SafeTensors() {
    }

    /** What a safetensors file holds: its metadata strings and its tensors, both in header order. */
    public record Contents(Map<String, String> metadata, Map<String, HostTensor> tensors) {
        /** Wraps both maps unmodifiably, keeping their order. */
        public Contents {
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        }
    }

    // ------------------------------------------------------------------------------ tensors

    /** Writes {@code tensors} without metadata; see {@link #write(Path, Map, Map)}. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} (FLOAT32 as {@code F32}, INT32 as {@code I32}) in the map's iteration order,
     * with {@code metadata} as the header's {@value #METADATA_KEY} (omitted when empty). The values are
     * downloaded from their backends first; the tensors are left open.
     *
     * <pre>{@code
     * Map<String, Tensor> params = new LinkedHashMap<>();
     * params.put("fc.weight", w);
     * params.put("fc.bias", b);
     * SafeTensors.write(Path.of("model.safetensors"), params, Map.of("format", "pt"));
     * }</pre>
     *
     * @throws IllegalArgumentException when a name is empty or {@value #METADATA_KEY}
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            int[] dims = t.shape().dims();
            host.put(e.getKey(), t.dtype() == DType.FLOAT32 ? HostTensor.ofFloats(dims, t.toFloatArray())
                    : HostTensor.ofInts(dims, t.toIntArray()));
        }
        writeHost(file, host, metadata);
    }

    /**
     * Reads every tensor of {@code file} onto {@code backend}, in header order. The caller owns the
     * tensors (they join the current {@link dev.flint.tensor.Scope}, if one is open).
     *
     * <pre>{@code
     * Map<String, Tensor> params = SafeTensors.read(Path.of("model.safetensors"), Backends.get("cpu"));
     * }</pre>
     *
     * @throws CorruptFileException when the file is malformed (see the class comment)
     */
    public static Map<String, Tensor> read(Path file, Backend backend) throws IOException {
        Contents contents = readHost(file);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, HostTensor> e : contents.tensors().entrySet()) {
                HostTensor h = e.getValue();
                Shape shape = Shape.of(h.shape());
                out.put(e.getKey(), h.dtype() == DType.FLOAT32 ? Tensor.on(backend).fromFloats(h.floats(), shape)
                        : Tensor.on(backend).fromInts(h.ints(), shape));
            }
        } catch (RuntimeException e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
        return Collections.unmodifiableMap(out);
    }

    // ------------------------------------------------------------------------------ writing

    /**
     * Writes {@code tensors} (in the map's iteration order, which is also the order of the data) and
     * {@code metadata} (omitted from the header when empty) to {@code file}, replacing it. The file is
     * written as {@code file.tmp} first and then moved into place.
     *
     * <pre>{@code
     * SafeTensors.writeHost(path, Map.of("w", HostTensor.ofFloats(new int[] {2}, new float[] {1, 2})), Map.of());
     * }</pre>
     *
     * @throws IllegalArgumentException when a name is empty or is {@value #METADATA_KEY}
     */
    public static void writeHost(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        byte[] header = header(tensors, metadata);
        // Write beside the target and move into place, so a crash or a full disk never leaves a
        // half-written model where a good one was.
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            writeFile(temp, header, tensors);
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeFile(Path file, byte[] header, Map<String, HostTensor> tensors) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            writeFully(ch, length.flip());
            writeFully(ch, ByteBuffer.wrap(header));
            long largest = tensors.values().stream().mapToLong(HostTensor::size).max().orElse(0) * 4;
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, largest)).order(ByteOrder.LITTLE_ENDIAN);
            for (HostTensor t : tensors.values()) {
                int n = t.size();
                for (int start = 0; start < n; start += CHUNK_BYTES / 4) {
                    int count = Math.min(CHUNK_BYTES / 4, n - start);
                    chunk.clear();
                    if (t.dtype() == DType.FLOAT32) {
                        chunk.asFloatBuffer().put(t.floats(), start, count);
                    } else {
                        chunk.asIntBuffer().put(t.ints(), start, count);
                    }
                    chunk.limit(count * 4);
                    writeFully(ch, chunk);
                }
            }
        }
    }

    /**
     * The JSON header for {@code tensors} and {@code metadata}, padded with spaces to a multiple of 8
     * bytes. Offsets follow the map's order, each tensor directly after the previous one.
     */
    static byte[] header(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> meta.put(k, v));
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("safetensors: tensor names must be non-empty");
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("safetensors: '" + METADATA_KEY
                        + "' is reserved for metadata and cannot name a tensor");
            }
            HostTensor t = e.getValue();
            ObjectNode info = root.putObject(name);
            info.put("dtype", code(t.dtype()));
            ArrayNode shape = info.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            long end = offset + (long) t.size() * t.dtype().byteSize();
            info.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("safetensors: cannot serialize the header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ------------------------------------------------------------------------------ reading

    /**
     * Reads every tensor and the metadata of {@code file} onto the host, checking the file as the
     * reference implementation does.
     *
     * <pre>{@code
     * SafeTensors.Contents c = SafeTensors.readHost(Path.of("model.safetensors"));
     * float[] w = c.tensors().get("fc1.weight").floats();
     * }</pre>
     *
     * @throws CorruptFileException when the file is malformed; the message names the file, the tensor
     *     and what disagrees
     */
    public static Contents readHost(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHost(ch, String.valueOf(file.getFileName()));
        }
    }

    /**
     * Reads every tensor and the metadata from {@code ch}, from its start to its {@link
     * SeekableByteChannel#size() size}; {@code name} names the source in error messages. Does not close
     * {@code ch}. Memory: nothing is allocated from a size the header claims before the file is known to
     * hold it, so every array is at most the channel's size (the fuzz tests check this).
     *
     * @throws CorruptFileException when the content is malformed
     */
    static Contents readHost(SeekableByteChannel ch, String name) throws IOException {
        long fileSize = ch.size();
        Header header = readHeader(ch, fileSize, name);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Entry e : header.entries) {
            tensors.put(e.name, readData(ch, header.dataStart + e.begin, e, name));
        }
        return new Contents(header.metadata, tensors);
    }

    /** Only the {@value #METADATA_KEY} strings of {@code file}; the file is checked but its data not read. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        String name = String.valueOf(file.getFileName());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return Collections.unmodifiableMap(readHeader(ch, ch.size(), name).metadata);
        }
    }

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    private record Header(Map<String, String> metadata, List<Entry> entries, long dataStart) {
    }

    private static Header readHeader(SeekableByteChannel ch, long fileSize, String name) throws IOException {
        if (fileSize < 8) {
            throw new CorruptFileException(name, "too short for a safetensors file: " + fileSize
                    + " bytes, expected at least 8 (the header length)");
        }
        ByteBuffer lengthBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lengthBuf, 0, name);
        long n = lengthBuf.flip().getLong();
        // n is unsigned in the format; a negative long is a length beyond 2^63, also beyond the file.
        if (n < 0 || n > fileSize - 8) {
            throw new CorruptFileException(name, "header length " + Long.toUnsignedString(n)
                    + " exceeds the file: only " + (fileSize - 8) + " bytes follow the 8-byte length");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new CorruptFileException(name, "header length " + n + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (n < 2) {
            throw new CorruptFileException(name, "header length " + n + " is too short for a JSON object");
        }
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(ch, json, 8, name);
        long dataStart = 8 + n;
        return parseHeader(json.array(), fileSize - dataStart, name, dataStart);
    }

    private static Header parseHeader(byte[] json, long dataLength, String name, long dataStart)
            throws CorruptFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new CorruptFileException(name, "header is not valid JSON: " + msg, e);
        }
        if (root == null || !root.isObject()) {
            throw new CorruptFileException(name, "header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(field.getValue(), metadata, name);
            } else {
                entries.add(entry(field.getKey(), field.getValue(), name));
            }
        }
        checkTiling(entries, dataLength, name);
        return new Header(metadata, entries, dataStart);
    }

    private static void readMetadata(JsonNode node, Map<String, String> out, String name)
            throws CorruptFileException {
        if (!node.isObject()) {
            throw new CorruptFileException(name, METADATA_KEY + " must be an object of strings, found "
                    + node.getNodeType());
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw new CorruptFileException(name, METADATA_KEY + " must map strings to strings; '"
                        + m.getKey() + "' is " + m.getValue().getNodeType());
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry entry(String tensor, JsonNode node, String name) throws CorruptFileException {
        String where = "tensor '" + tensor + "': ";
        if (!node.isObject()) {
            throw new CorruptFileException(name, where + "expected an object with dtype, shape and "
                    + "data_offsets, found " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CorruptFileException(name, where + "'dtype' must be a string, found " + describe(dtypeNode));
        }
        DType dtype = dtype(dtypeNode.textValue());
        if (dtype == null) {
            throw new CorruptFileException(name, where + "dtype '" + dtypeNode.textValue()
                    + "' is not supported (Flint reads F32 and I32)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new CorruptFileException(name, where + "'shape' must be an array of non-negative integers, "
                    + "found " + describe(shapeNode));
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) {
                throw new CorruptFileException(name, where + "'shape' must be an array of non-negative "
                        + "integers below 2^31, found " + shapeNode);
            }
            shape[i] = d.intValue();
        }
        long count;
        try {
            count = HostTensor.elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(name, where + e.getMessage() + ", more than Flint can hold");
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).canConvertToLong() || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).canConvertToLong() || !offsets.get(1).isIntegralNumber()
                || offsets.get(0).longValue() < 0 || offsets.get(1).longValue() < 0) {
            throw new CorruptFileException(name, where + "'data_offsets' must be [begin, end] with "
                    + "non-negative integers, found " + describe(offsets));
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (end < begin) {
            throw new CorruptFileException(name, where + "data_offsets [" + begin + ", " + end + "] run backwards");
        }
        long expected = count * dtype.byteSize();
        if (end - begin != expected) {
            throw new CorruptFileException(name, where + "shape " + Arrays.toString(shape) + " of "
                    + code(dtype) + " needs " + expected + " bytes, data_offsets [" + begin + ", " + end
                    + "] span " + (end - begin));
        }
        return new Entry(tensor, dtype, shape, begin, end);
    }

    /** The tensors must cover the data section exactly once, in some order, as the reference requires. */
    private static void checkTiling(List<Entry> entries, long dataLength, String name) throws CorruptFileException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long previousEnd = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.end > dataLength) {
                throw new CorruptFileException(name, "tensor '" + e.name + "': data_offsets [" + e.begin + ", "
                        + e.end + "] reach beyond the data section, which has " + dataLength + " bytes");
            }
            if (e.begin < previousEnd) {
                throw new CorruptFileException(name, "tensors '" + previous.name + "' [" + previous.begin + ", "
                        + previous.end + "] and '" + e.name + "' [" + e.begin + ", " + e.end + "] overlap");
            }
            if (e.begin > previousEnd) {
                throw new CorruptFileException(name, "gap of " + (e.begin - previousEnd) + " bytes before tensor '"
                        + e.name + "' (begins at " + e.begin + ", the previous tensor ends at " + previousEnd + ")");
            }
            previousEnd = e.end;
            previous = e;
        }
        if (previousEnd != dataLength) {
            throw new CorruptFileException(name, "data section has " + dataLength + " bytes but the tensors "
                    + "cover " + previousEnd + "; " + (dataLength - previousEnd) + " bytes belong to no tensor");
        }
    }

    private static HostTensor readData(SeekableByteChannel ch, long position, Entry e, String name) throws IOException {
        int n = (int) HostTensor.elementCount(e.shape);
        float[] floats = e.dtype == DType.FLOAT32 ? new float[n] : null;
        int[] ints = e.dtype == DType.INT32 ? new int[n] : null;
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, 4L * n)).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < n; start += CHUNK_BYTES / 4) {
            int count = Math.min(CHUNK_BYTES / 4, n - start);
            chunk.clear().limit(count * 4);
            readFully(ch, chunk, position + (long) start * 4, name);
            chunk.flip();
            if (floats != null) {
                chunk.asFloatBuffer().get(floats, start, count);
            } else {
                chunk.asIntBuffer().get(ints, start, count);
            }
        }
        return floats != null ? HostTensor.ofFloats(e.shape, floats) : HostTensor.ofInts(e.shape, ints);
    }

    private static void readFully(SeekableByteChannel ch, ByteBuffer buf, long position, String name)
            throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.position(pos).read(buf);
            if (r < 0) {
                // The size checks make this unreachable unless the file shrinks while we read it.
                throw new CorruptFileException(name, "file ended at byte " + pos + " while reading");
            }
            pos += r;
        }
    }

    private static String describe(JsonNode node) {
        return node == null ? "nothing" : node.toString();
    }

    /** The format's name for a dtype. */
    static String code(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "F32";
            case INT32 -> "I32";
        };
    }

    /** The dtype of a format code, or null when Flint has none for it. */
    static DType dtype(String code) {
        return switch (code) {
            case "F32" -> DType.FLOAT32;
            case "I32" -> DType.INT32;
            default -> null;
        };
    }
}

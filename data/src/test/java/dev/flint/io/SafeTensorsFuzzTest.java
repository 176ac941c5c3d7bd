package dev.flint.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.Map;

/**
 * Fuzzes the safetensors reader with Jazzer. In a normal build this replays the committed corpus
 * ({@code src/test/resources/dev/flint/io/SafeTensorsFuzzTestInputs/readHost/}); {@code
 * scripts/fuzz.sh} runs the long campaign (one million inputs) with {@code JAZZER_FUZZ=1}.
 *
 * <p>For every input: the only exception is {@link CorruptFileException}, memory follows the bytes
 * present ({@link FuzzChecks}), and an accepted file is self-consistent: its tensors tile the data
 * section exactly, each as many bytes as its shape needs.
 */
class SafeTensorsFuzzTest {
    /** Inputs of one campaign; a normal build only replays the corpus. */
    static final long CAMPAIGN_INPUTS = 1_000_000;

    @DictionaryEntries({"{", "}", "[", "]", ":", ",", "\"", "\"dtype\"", "\"F32\"", "\"I32\"", "\"BF16\"",
        "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "-1", "4294967296", "18446744073709551615", "1e9"})
    @FuzzTest(maxExecutions = CAMPAIGN_INPUTS, maxDuration = "4h")
    void readHost(byte[] file) {
        FuzzChecks.read("safetensors", file.length, () -> {
            SafeTensors.Contents contents = SafeTensors.readHost(new ByteArrayChannel(file), "fuzz.safetensors");
            checkAccepted(file, contents);
        });
    }

    private static void checkAccepted(byte[] file, SafeTensors.Contents contents) throws IOException {
        long headerLength = java.nio.ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        long dataBytes = file.length - 8 - headerLength;
        long covered = 0;
        for (Map.Entry<String, HostTensor> e : contents.tensors().entrySet()) {
            HostTensor t = e.getValue();
            assertEquals(HostTensor.elementCount(t.shape()), t.size(), e.getKey());
            covered += 4L * t.size();
        }
        assertEquals(dataBytes, covered, "accepted tensors must tile the data section exactly");
    }
}

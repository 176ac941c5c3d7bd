package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

class OptionChecksTest {
    private static final String UNKNOWN = "--backend: unknown backend 'tpu', expected one of auto, cpu, cuda";

    private static CommandSpec spec() {
        return new CommandLine(new InfoCommand()).getCommandSpec();
    }

    @Test
    void requireThrowsTheMessageAsAUsageError() {
        assertDoesNotThrow(() -> OptionChecks.require(spec(), true, "unused"));
        ParameterException e = assertThrows(ParameterException.class,
                () -> OptionChecks.require(spec(), false, "--x must be at least 1, got 0"));
        assertEquals("--x must be at least 1, got 0", e.getMessage());
    }

    @Test
    void backendNamesPassInAnyCaseAndAMissingOptionPasses() {
        for (String name : new String[] {"auto", "cpu", "CUDA", null}) {
            assertDoesNotThrow(() -> OptionChecks.requireKnownBackend(spec(), name), String.valueOf(name));
        }
        ParameterException e = assertThrows(ParameterException.class,
                () -> OptionChecks.requireKnownBackend(spec(), "tpu"));
        assertEquals(UNKNOWN, e.getMessage());
    }

    /** Every command that takes --backend rejects an unknown name alike, before any work (exit 2). */
    @Test
    void everyCommandRejectsAnUnknownBackendAlike() {
        for (List<String> args : List.of(List.of("info"), List.of("eval", "--model-file", "missing.safetensors"),
                List.of("train"), List.of("gpt", "train"), List.of("gpt", "sample", "--model", "missing"))) {
            FlintTest.Run r = FlintTest.run(Stream.concat(args.stream(), Stream.of("--backend", "tpu"))
                    .toArray(String[]::new));
            assertEquals(2, r.exitCode(), args + ": " + r.err());
            assertTrue(r.err().contains(UNKNOWN), args + ": " + r.err());
        }
    }
}

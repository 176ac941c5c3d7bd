package dev.flint.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code flint} command: parses the subcommand and its options with picocli and exits
 * with its status (0 success, 1 failure at run time, 2 bad options, after printing the usage).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -jar cli/target/flint.jar train --epochs 3
 * </pre>
 */
@Command(name = "flint", mixinStandardHelpOptions = true, version = "flint 0.1.0",
        description = "Train and evaluate small neural networks with Flint on the CPU or an NVIDIA GPU.",
        subcommands = {TrainCommand.class, EvalCommand.class, InfoCommand.class, GptCommand.class,
                CommandLine.HelpCommand.class})
public final class Flint implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Charts are drawn off screen; without this AWT looks for a display on headless machines.
        System.setProperty("java.awt.headless", "true");
        int status;
        try {
            status = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            // The commands say what they were doing themselves; this is the last resort for anything else.
            System.err.println("flint: " + HeapMessages.outOfMemory("running 'flint " + String.join(" ", args) + "'",
                    0, args.length > 0 ? args[0] : ""));
            status = 1;
        }
        System.exit(status);
    }

    /** The configured command line (tests run it without exiting the JVM). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Flint());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Run-time failures (a missing data folder, an unusable backend, a corrupt model file) are the
            // user's to fix: print the message, not a stack trace.
            commandLine.getErr().println(commandLine.getColorScheme().errorText("flint: " + message(e)));
            return 1;
        });
        return cl;
    }

    private static String message(Throwable e) {
        // An UncheckedIOException's own message repeats its cause's class name: say the cause's words.
        Throwable shown = e instanceof java.io.UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        String m = shown.getMessage();
        return m == null || m.isBlank() ? shown.toString() : m;
    }

    @Override
    public void run() {
        // `flint` alone: say what there is to do.
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train, eval or info");
    }
}

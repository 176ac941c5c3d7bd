package dev.flint.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code flint gpt}: a character-level GPT, trained ({@code flint gpt train}) and sampled
 * ({@code flint gpt sample}).
 *
 * <pre>
 *   ./flint gpt train                       # nanoGPT's CPU configuration on the King James Bible
 *   ./flint gpt sample --model runs/gpt-20260101-120000 --prompt "And God said"
 * </pre>
 */
@Command(name = "gpt", mixinStandardHelpOptions = true,
        description = "A character-level GPT: train one on a text, or sample text from a trained one.",
        subcommands = {GptTrainCommand.class, GptSampleCommand.class, CommandLine.HelpCommand.class})
final class GptCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train or sample");
    }
}

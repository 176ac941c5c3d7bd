/**
 * The {@code flint} command line: {@link dev.flint.cli.Flint} with the subcommands
 * {@link dev.flint.cli.TrainCommand} (train a linear classifier, an MLP or a LeNet CNN on MNIST
 * and write the history and a checkpoint every epoch, then the learning curves and the model; resume
 * a stopped run), with {@link dev.flint.cli.RunFolder} deciding where a run's files go, {@link dev.flint.cli.EvalCommand}
 * (test accuracy of a saved model) and {@link dev.flint.cli.InfoCommand} (which backends were
 * found and which one runs). Progress bars and charts live here; the library only logs through SLF4J.
 *
 * <pre>
 *   ./flint train                                   # MLP on the embedded MNIST subset, best backend
 *   ./flint train --model cnn --data ../shared/data/mnist --epochs 10
 *   ./flint train --resume runs/20260101-120000    # continue a stopped run
 *   ./flint eval --model-file runs/20260101-120000/model.safetensors
 *   ./flint info
 * </pre>
 */
package dev.flint.cli;

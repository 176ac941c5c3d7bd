/**
 * The training loop and what it records: {@link dev.flint.train.Trainer} (epochs of forward, loss,
 * backward and optimizer steps, each step in a scope; validation; early stopping; learning-rate
 * schedules), its options {@link dev.flint.train.TrainerConfig}, {@link dev.flint.train.EarlyStopping},
 * {@link dev.flint.train.TrainingListener} for progress bars and logs, {@link dev.flint.train.Metrics}
 * (accuracy, evaluation of a model on a data set), and the per-epoch {@link dev.flint.train.History} of
 * {@link dev.flint.train.EpochRecord}s behind the learning curves. {@link dev.flint.train.Checkpoint} is
 * a run's whole state after an epoch, from which {@code Trainer.resume} continues bit for bit;
 * {@link dev.flint.train.IoMessages} makes the I/O errors of a run's files name the file.
 */
package dev.flint.train;

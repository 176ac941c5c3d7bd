/**
 * The training loop and what it records: {@link dev.flint.train.Trainer} (epochs of forward, loss,
 * backward and optimizer steps, each step in a scope; validation; early stopping; learning-rate
 * schedules), its options {@link dev.flint.train.TrainerConfig}, {@link dev.flint.train.EarlyStopping},
 * {@link dev.flint.train.TrainingListener} for progress bars and logs, {@link dev.flint.train.Metrics}
 * (accuracy, evaluation of a model on a data set), and the per-epoch {@link dev.flint.train.History} of
 * {@link dev.flint.train.EpochRecord}s behind the learning curves.
 */
package dev.flint.train;

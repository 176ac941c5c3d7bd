/**
 * Loss functions, each a {@link dev.flint.loss.Loss} that maps a model's output and the target to a
 * scalar tensor (mean over the batch) ready for {@code backward()}: {@link dev.flint.loss.MseLoss}
 * (regression), {@link dev.flint.loss.CrossEntropyLoss} (classification from logits),
 * {@link dev.flint.loss.MulticlassHingeLoss} (the multiclass SVM loss); and
 * {@link dev.flint.loss.Regularization}, the L2 and L1 penalty terms added to a loss.
 */
package dev.flint.loss;

/**
 * Neural-network building blocks composed from tensor ops: {@link dev.flint.nn.Module} (named
 * parameters, train/eval mode, moving between backends, state dictionaries), the layers
 * ({@link dev.flint.nn.Linear}, {@link dev.flint.nn.Conv2d}, {@link dev.flint.nn.MaxPool2d},
 * {@link dev.flint.nn.AvgPool2d}, {@link dev.flint.nn.ReLU}, {@link dev.flint.nn.Sigmoid},
 * {@link dev.flint.nn.Tanh}, {@link dev.flint.nn.Softmax}, {@link dev.flint.nn.Dropout},
 * {@link dev.flint.nn.Flatten}, {@link dev.flint.nn.Sequential}) and seeded weight initialisation
 * ({@link dev.flint.nn.Init}).
 *
 * <p>Layers declare no gradients of their own: every forward pass is made of differentiable tensor ops,
 * so autograd derives the backward pass. Parameters are stored in PyTorch's layouts (Linear weight
 * {@code (out, in)}, Conv2d weight {@code (out, in, kH, kW)}) and named as PyTorch names them
 * ({@code "0.weight"}), so state dictionaries move between the two.
 */
package dev.flint.nn;

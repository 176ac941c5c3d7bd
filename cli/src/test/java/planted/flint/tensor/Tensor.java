package planted.flint.tensor;

import planted.flint.autograd.Node;

/** Planted: a tensor that holds its node (tensor -> autograd), while the node holds tensors back. */
public class Tensor {
    public Node gradFn;
}

package planted.flint.autograd;

import planted.flint.tensor.Tensor;

/** Planted: the graph imports tensors, closing a cycle and breaking "the graph knows no tensor". */
public class Node {
    public Tensor[] inputs;
}

package dev.flint.tensor;

import dev.flint.autograd.GradientMath;
import java.util.ArrayList;
import java.util.List;

/** The gradient arithmetic of tensors, for the backward engine. */
final class TensorGradients implements GradientMath<Tensor> {
    static final TensorGradients INSTANCE = new TensorGradients();

    private TensorGradients() {
    }

    @Override
    public Session open(Tensor seed) {
        Scope scope = Scope.open();
        scope.adopt(seed);
        return scope::close;
    }

    /**
     * The one place where a gradient of a broadcast result is summed back to its input's shape:
     * over the leading axes the input lacks and the axes where it had size 1.
     */
    @Override
    public Tensor reduceToInput(Tensor g, Tensor input, String op) {
        Shape target = input.shape();
        if (g.shape().equals(target)) {
            return g;
        }
        int lead = g.rank() - target.rank();
        if (lead < 0) {
            throw new IllegalStateException(op + ": gradient " + g.shape() + " has lower rank than its input " + target);
        }
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (target.dim(i - lead) == 1 && g.shape().dim(i) != 1)) {
                axes.add(i);
            }
        }
        int[] ax = axes.stream().mapToInt(Integer::intValue).toArray();
        Tensor reduced = ax.length == 0 ? g : g.sum(ax, false);
        if (reduced.size() != target.size()) {
            throw new IllegalStateException(op + ": gradient " + g.shape() + " cannot be reduced to " + target);
        }
        return reduced.reshape(target.dims());
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return a.add(b);
    }

    @Override
    public void accumulate(Tensor leaf, Tensor gradient, boolean exclusive) {
        leaf.accumulateGrad(gradient, exclusive);
    }

    @Override
    public void free(Tensor gradient) {
        gradient.close();
    }
}

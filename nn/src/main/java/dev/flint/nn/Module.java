package dev.flint.nn;

import dev.flint.backend.Backend;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A piece of a network: parameters of its own, child modules, and a forward pass. Like PyTorch's
 * {@code nn.Module}, parameters are named recursively ({@code "0.weight"} is the weight of the first
 * child of a {@link Sequential}), the mode ({@link #train()} / {@link #eval()}) reaches every child, and
 * the module owns its parameters: {@link #close()} frees them.
 *
 * <pre>{@code
 * Module net = new Sequential(new Linear(784, 10, new Rng(1)), new Softmax(1));
 * Tensor probs = net.forward(images);            // images (N, 784) -> (N, 10)
 * Map<String, Tensor> state = net.stateDict();   // {"0.weight": (10, 784), "0.bias": (10)}
 * }</pre>
 *
 * <p>Subclasses register parameters with {@link #registerParameter}, buffers (state that is saved but
 * not trained, such as running statistics) with {@link #registerBuffer} and children with
 * {@link #registerModule} in their constructor, and read them back through {@link #parameter} and
 * {@link #buffer} in {@link #forward}, so that {@link #to(Backend)} and {@link #loadStateDict} can
 * replace or refill them without the subclass holding stale references.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    /** State that is not trained but saved: BatchNorm's running statistics. */
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private boolean training = true;

    /** The forward pass: {@code input} to output; builds the autograd graph when parameters require it. */
    public abstract Tensor forward(Tensor input);

    /**
     * Registers a parameter of this module under {@code name}; it becomes a leaf that requires a
     * gradient and is owned by this module. Returns it.
     */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        Objects.requireNonNull(value, "parameter " + name);
        if (taken(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already used");
        }
        value.requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    /** Registers a child module under {@code name} (its parameters become {@code name.param}). Returns it. */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        Objects.requireNonNull(child, "module " + name);
        if (taken(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already used");
        }
        children.put(name, child);
        return child;
    }

    /**
     * Registers a buffer of this module under {@code name}: a tensor that is part of the module's state
     * ({@link #stateDict}, {@link #to(Backend)}, {@link #close()}) but not a parameter (no gradient, not
     * optimized), like PyTorch's {@code register_buffer}. Returns it.
     */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        Objects.requireNonNull(value, "buffer " + name);
        if (taken(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already used");
        }
        if (value.requiresGrad()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": buffer '" + name
                    + "' must not require a gradient (register it as a parameter instead)");
        }
        buffers.put(name, value);
        return value;
    }

    /** This module's own buffer {@code name} (not a child's). */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "' (has "
                    + buffers.keySet() + ")");
        }
        return t;
    }

    private boolean taken(String name) {
        return parameters.containsKey(name) || children.containsKey(name) || buffers.containsKey(name);
    }

    /** This module's own parameter {@code name} (not a child's). */
    protected final Tensor parameter(String name) {
        Tensor t = parameters.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name
                    + "' (has " + parameters.keySet() + ")");
        }
        return t;
    }

    /**
     * Puts {@code value} in place of the parameter at dotted {@code name} without closing the old one,
     * and returns the old one. For tests that run a layer on substitute tensors (gradient checks).
     */
    final Tensor replaceParameter(String name, Tensor value) {
        int dot = name.indexOf('.');
        if (dot >= 0) {
            Module child = children.get(name.substring(0, dot));
            if (child == null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " has no child '"
                        + name.substring(0, dot) + "'");
            }
            return child.replaceParameter(name.substring(dot + 1), value);
        }
        Tensor old = parameter(name);
        parameters.put(name, value);
        return old;
    }

    /** The direct children, by name, in registration order (unmodifiable). */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * Every parameter of this module and its descendants, by dotted name, in registration order.
     * The tensors are the live parameters, not copies. Each tensor appears once, under the first name
     * that reaches it: a module used twice (the same {@code Linear} at two places of a
     * {@link Sequential}) or a parameter shared by two modules is listed, counted, saved and optimized
     * once, as in PyTorch.
     *
     * <pre>{@code
     * Linear shared = new Linear(4, 4, rng);
     * Module net = new Sequential(shared, new ReLU(), shared);
     * net.namedParameters().keySet();   // [0.weight, 0.bias]: "2.weight" is the same tensor
     * }</pre>
     */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            // Identity, not equals: two distinct tensors are two parameters whatever their values.
            if (seen.add(e.getValue())) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out, seen);
        }
    }

    /**
     * Every buffer of this module and its descendants (running statistics), by dotted name, in registration
     * order: the live tensors, each once.
     */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            if (seen.add(e.getValue())) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectBuffers(prefix + e.getKey() + ".", out, seen);
        }
    }

    /** Parameters, then buffers, by dotted name: what a state dictionary holds. */
    private Map<String, Tensor> namedState() {
        Map<String, Tensor> out = namedParameters();
        out.putAll(namedBuffers());
        return out;
    }

    /**
     * The live parameters of this module and its descendants, each once, in the order of
     * {@link #namedParameters()}.
     */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Number of scalar parameters (the figure model summaries print). */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.size();
        }
        return n;
    }

    /** Sets training mode on this module and every descendant (dropout is active only in training). */
    public Module train(boolean on) {
        training = on;
        for (Module child : children.values()) {
            child.train(on);
        }
        return this;
    }

    /** Training mode; returns this. */
    public final Module train() {
        return train(true);
    }

    /** Evaluation mode (dropout off); returns this. */
    public final Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /**
     * Moves every parameter to {@code backend}, closing the old copies; a no-op for parameters already
     * there. Gradients are dropped (as after {@link #zeroGrad()}); optimizers built on the old
     * parameters must be rebuilt. Returns this.
     */
    public Module to(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            Tensor old = e.getValue();
            if (old.backend() == backend) {
                continue;
            }
            Tensor moved = Tensor.on(backend).fromFloats(old.toFloatArray(), old.shape()).requiresGrad(true);
            e.setValue(moved);
            old.close();
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor old = e.getValue();
            if (old.backend() != backend) {
                e.setValue(Tensor.on(backend).fromFloats(old.toFloatArray(), old.shape()));
                old.close();
            }
        }
        for (Module child : children.values()) {
            child.to(backend);
        }
        return this;
    }

    /**
     * A copy of every parameter and buffer (parameters first) by dotted name, detached from the graph and
     * on each tensor's backend.
     * The caller owns the copies (close them, or let a {@link dev.flint.tensor.Scope} do it); later
     * training does not change them, which is what saving and "restore the best weights" need.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : namedState().entrySet()) {
            Tensor p = e.getValue();
            Tensor copy = Tensor.on(p.backend()).zeros(p.shape());
            copy.copyFrom(p);
            out.put(e.getKey(), copy);
        }
        return out;
    }

    /**
     * Copies {@code state} into the parameters and buffers, in place (references to them, such as an
     * optimizer's, stay valid). Strict, like PyTorch's default: every one must have an entry of the same shape
     * and no entry may be left over. Values on another backend are copied across. {@code state} is not
     * modified and stays owned by the caller.
     *
     * @throws IllegalArgumentException naming the key whose entry is missing, unexpected or misshapen
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> own = namedState();
        List<String> missing = new ArrayList<>();
        for (String key : own.keySet()) {
            if (!state.containsKey(key)) {
                missing.add(key);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : state.keySet()) {
            if (!own.containsKey(key)) {
                unexpected.add(key);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict: " + getClass().getSimpleName()
                    + (missing.isEmpty() ? "" : " is missing " + missing)
                    + (missing.isEmpty() || unexpected.isEmpty() ? "" : " and")
                    + (unexpected.isEmpty() ? "" : " got unexpected keys " + unexpected)
                    + " (expected keys " + own.keySet() + ")");
        }
        // Check every shape before writing anything, so a bad dictionary leaves the module untouched.
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (!src.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException("loadStateDict: '" + e.getKey() + "' expects shape "
                        + e.getValue().shape() + ", got " + src.shape());
            }
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor dst = e.getValue();
            Tensor src = state.get(e.getKey());
            if (src.backend() == dst.backend()) {
                dst.copyFrom(src);
            } else {
                try (Tensor moved = Tensor.on(dst.backend()).fromFloats(src.toFloatArray(), src.shape())) {
                    dst.copyFrom(moved);
                }
            }
        }
    }

    /** Clears the gradient of every parameter. */
    public final void zeroGrad() {
        for (Tensor t : namedParameters().values()) {
            t.zeroGrad();
        }
    }

    /** Frees every parameter and buffer of this module and its descendants. Closing twice is harmless. */
    @Override
    public void close() {
        for (Tensor t : parameters.values()) {
            t.close();
        }
        for (Tensor t : buffers.values()) {
            t.close();
        }
        for (Module child : children.values()) {
            child.close();
        }
    }

    /** One line per module, PyTorch style: {@code Linear(in=784, out=10)}; containers list their children. */
    @Override
    public String toString() {
        if (children.isEmpty()) {
            return describe();
        }
        StringBuilder sb = new StringBuilder(describe()).append("(\n");
        for (Map.Entry<String, Module> e : children.entrySet()) {
            String inner = e.getValue().toString().replace("\n", "\n  ");
            sb.append("  (").append(e.getKey()).append("): ").append(inner).append('\n');
        }
        return sb.append(')').toString();
    }

    /** The module's own description without children, such as {@code Linear(in=784, out=10)}. */
    protected String describe() {
        return getClass().getSimpleName();
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module and parameter names must be non-empty and contain no '.', got '"
                    + name + "'");
        }
    }
}

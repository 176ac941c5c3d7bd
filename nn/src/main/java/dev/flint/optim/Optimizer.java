package dev.flint.optim;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.backend.Storage;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Updates a fixed list of parameters from their gradients. Subclasses implement {@link #update} for
 * one parameter; state buffers are allocated lazily, on the parameter's backend, the first time a
 * parameter has a gradient, and freed by {@link #close()}.
 *
 * <pre>{@code
 * try (Optimizer opt = new Adam(model.parameters(), 1e-3f)) {
 *     opt.zeroGrad();
 *     loss.backward();
 *     opt.step();
 * }
 * }</pre>
 *
 * <p>{@link #stateDict()} and {@link #loadStateDict} save and restore everything a step depends on
 * (the learning rate, each parameter's buffers and counters), so a run resumed from a checkpoint
 * takes exactly the steps it would have taken without the interruption.
 */
public abstract class Optimizer implements AutoCloseable {
    /** {@link #stateDict()} key of the learning rate. */
    public static final String LR_KEY = "lr";

    private final List<Tensor> params;
    private final List<ParamGroup> groups;
    private final Map<Tensor, ParamGroup> groupOf = new IdentityHashMap<>();
    private final Map<Tensor, Storage[]> state = new IdentityHashMap<>();
    private float lr;
    private boolean closed;

    /**
     * @param params the parameters to update, each once (a tensor listed twice would be updated twice
     *     per step); {@link dev.flint.nn.Module#parameters()} lists each once
     * @param lr the learning rate
     * @throws IllegalArgumentException when {@code params} is empty, holds a tensor twice, or holds one
     *     that is not a float32 tensor requiring a gradient
     */
    protected Optimizer(Collection<Tensor> params, float lr) {
        this(List.of(ParamGroup.of(params)), lr);
    }

    /**
     * An optimizer over parameter groups, each with its own settings ({@link ParamGroup}); the
     * parameters are all the groups' in order, so {@link #parameters()} lists group 0's first.
     *
     * @param groups the groups; no tensor may appear twice, in one group or in two
     * @param lr the learning rate (each group uses it times its {@link ParamGroup#lrScale()})
     * @throws IllegalArgumentException as {@link #Optimizer(Collection, float)}
     */
    protected Optimizer(List<ParamGroup> groups, float lr) {
        List<Tensor> params = new ArrayList<>();
        for (ParamGroup g : groups) {
            params.addAll(g.params());
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        }
        Map<Tensor, Integer> firstIndex = new IdentityHashMap<>();
        int index = 0;
        for (Tensor p : params) {
            Integer earlier = firstIndex.putIfAbsent(p, index);
            if (earlier != null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + index + " "
                        + p.shape() + " is the same tensor as parameter " + earlier + "; each step would update"
                        + " it twice. Pass each parameter once (Module.parameters() does)");
            }
            index++;
        }
        for (Tensor p : params) {
            if (p.dtype() != DType.FLOAT32 || !p.requiresGrad()) {
                throw new IllegalArgumentException(getClass().getSimpleName()
                        + ": parameters must be float32 tensors that require a gradient, got " + p.dtype() + " "
                        + p.shape() + (p.requiresGrad() ? "" : " without requiresGrad"));
            }
        }
        checkLr(lr);
        this.params = List.copyOf(params);
        this.groups = List.copyOf(groups);
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                groupOf.put(p, g);
            }
        }
        this.lr = lr;
    }

    /**
     * One update of every parameter that has a gradient (parameters without one are skipped, as in
     * PyTorch).
     */
    public final void step() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + ": step() after close()");
        }
        // Check all before updating any, so a failed step changes nothing. A closed parameter has lost
        // its gradient, so without this check the step would silently skip it.
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p.isClosed()) {
                throw new IllegalStateException(getClass().getSimpleName() + ": parameter " + i + " of "
                        + params.size() + " " + p.shape() + " was closed (its module closed, or moved by"
                        + " Module.to(backend), which replaces the parameters); build the optimizer on the"
                        + " live parameters");
            }
        }
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            if (!g.shape().equals(p.shape())) {
                throw new IllegalStateException(getClass().getSimpleName() + ": gradient " + g.shape()
                        + " does not match its parameter " + p.shape());
            }
            boolean first = !state.containsKey(p);
            Storage[] s = state.computeIfAbsent(p, this::allocateState);
            update(p, g, s, first);
        }
    }

    /**
     * Updates one parameter in place.
     *
     * @param param the parameter (modified)
     * @param grad its gradient (not modified)
     * @param state this parameter's buffers from {@link #stateCount()} (modified), zeroed before the first step
     * @param firstStep whether this is the parameter's first update
     */
    protected abstract void update(Tensor param, Tensor grad, Storage[] state, boolean firstStep);

    /** Number of state buffers, each the size of the parameter, this optimizer keeps per parameter. */
    protected abstract int stateCount();

    /**
     * Names of the {@link #stateCount()} buffers in {@link #stateDict()} (PyTorch's where there is one,
     * such as {@code momentum_buffer}); {@code buffer0, buffer1, ...} unless a subclass names them.
     */
    protected List<String> bufferNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < stateCount(); i++) {
            names.add("buffer" + i);
        }
        return names;
    }

    /**
     * Names of the integer counters (step counts, at least 1 once a parameter has state) this optimizer
     * keeps per parameter besides its buffers; none by default.
     */
    protected List<String> counterNames() {
        return List.of();
    }

    /** The value of counter {@code name} of {@code param}, which has state (for {@link #stateDict()}). */
    protected int counter(Tensor param, String name) {
        throw new IllegalStateException(getClass().getSimpleName() + " keeps no counter '" + name + "'");
    }

    /** Sets counter {@code name} of {@code param} (for {@link #loadStateDict}). */
    protected void setCounter(Tensor param, String name, int value) {
        throw new IllegalStateException(getClass().getSimpleName() + " keeps no counter '" + name + "'");
    }

    /** Forgets every counter of {@code param} (its state is being replaced or dropped). */
    protected void clearCounters(Tensor param) {
    }

    /**
     * A copy of the optimizer's state, by name, for checkpoints: {@value #LR_KEY} (a float32 scalar),
     * and for each parameter {@code i} (its position in {@link #parameters()}) that has been updated,
     * its buffers and counters as {@code "i.name"} (for Adam {@code "0.exp_avg"}, {@code "0.exp_avg_sq"}
     * and the int32 scalar {@code "0.step"}; for SGD with momentum {@code "0.momentum_buffer"}).
     * Parameters not yet updated have no entries, as in PyTorch. The caller owns the copies; they live
     * on the parameters' backends, and later steps do not change them.
     *
     * <pre>{@code
     * Map<String, Tensor> state = adam.stateDict();
     * SafeTensors.write(Path.of("optimizer.safetensors"), state, Map.of());
     * }</pre>
     */
    public final Map<String, Tensor> stateDict() {
        checkOpen("stateDict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(LR_KEY, Tensor.on(params.get(0).backend()).scalar(lr));
        List<String> buffers = bufferNames();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Storage[] s = state.get(p);
            if (s == null) {
                continue;
            }
            Backend be = p.backend();
            for (int b = 0; b < s.length; b++) {
                Tensor copy = Tensor.on(be).zeros(p.shape());
                be.copyBlocks(s[b], 0, 0, copy.storage(), 0, 0, 1, p.size());
                out.put(i + "." + buffers.get(b), copy);
            }
            for (String c : counterNames()) {
                out.put(i + "." + c, Tensor.on(be).fromInts(new int[] {counter(p, c)}, Shape.scalar()));
            }
        }
        return out;
    }

    /**
     * Replaces the optimizer's state with {@code state}, as made by {@link #stateDict()} of an optimizer
     * of the same kind over parameters of the same shapes: the learning rate when present, and every
     * parameter's buffers and counters (a parameter without entries starts afresh). Values on another
     * backend are copied across; {@code state} is not modified and stays the caller's.
     *
     * @throws IllegalArgumentException naming the key that is unknown, misshapen or incomplete; the
     *     optimizer is unchanged then
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        checkOpen("loadStateDict");
        String name = getClass().getSimpleName();
        List<String> buffers = bufferNames();
        List<String> counters = counterNames();
        // Parameter index -> its entries by name; everything is checked before anything changes.
        Map<Integer, Map<String, Tensor>> byParam = new TreeMap<>();
        Float newLr = null;
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            Tensor t = e.getValue();
            if (key.equals(LR_KEY)) {
                if (t.size() != 1 || t.dtype() != DType.FLOAT32) {
                    throw new IllegalArgumentException(name + ".loadStateDict: '" + LR_KEY
                            + "' must be a float32 scalar, got " + t.dtype() + " " + t.shape());
                }
                newLr = t.item();
                continue;
            }
            int dot = key.indexOf('.');
            int index = -1;
            try {
                index = dot > 0 ? Integer.parseInt(key.substring(0, dot)) : -1;
            } catch (NumberFormatException notAnIndex) {
                index = -1;
            }
            String entry = dot > 0 ? key.substring(dot + 1) : key;
            if (index < 0 || index >= params.size() || !(buffers.contains(entry) || counters.contains(entry))) {
                throw new IllegalArgumentException(name + ".loadStateDict: unexpected key '" + key + "' (expected '"
                        + LR_KEY + "' and 'i.name' for a parameter index i in [0, " + params.size() + ") and a name in "
                        + names(buffers, counters) + ")");
            }
            Tensor p = params.get(index);
            if (buffers.contains(entry) && (!t.shape().equals(p.shape()) || t.dtype() != DType.FLOAT32)) {
                throw new IllegalArgumentException(name + ".loadStateDict: '" + key + "' must be float32 "
                        + p.shape() + " like parameter " + index + ", got " + t.dtype() + " " + t.shape());
            }
            if (counters.contains(entry) && (t.size() != 1 || t.dtype() != DType.INT32 || t.item() < 1)) {
                throw new IllegalArgumentException(name + ".loadStateDict: '" + key + "' must be an int32 scalar >= 1 "
                        + "(a parameter with state has been updated at least once), got " + t.dtype() + " " + t.shape()
                        + (t.size() == 1 ? " holding " + (int) t.item() : ""));
            }
            byParam.computeIfAbsent(index, k -> new LinkedHashMap<>()).put(entry, t);
        }
        for (Map.Entry<Integer, Map<String, Tensor>> e : byParam.entrySet()) {
            List<String> missing = new ArrayList<>(names(buffers, counters));
            missing.removeAll(e.getValue().keySet());
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(name + ".loadStateDict: parameter " + e.getKey() + " has "
                        + e.getValue().keySet() + " but not " + missing);
            }
        }
        if (newLr != null) {
            checkLr(newLr);
        }
        // Valid: replace the state.
        for (Tensor p : params) {
            Storage[] old = this.state.remove(p);
            if (old != null) {
                for (Storage buf : old) {
                    buf.release();
                }
            }
            clearCounters(p);
        }
        for (Map.Entry<Integer, Map<String, Tensor>> e : byParam.entrySet()) {
            Tensor p = params.get(e.getKey());
            Storage[] s = allocateState(p);
            for (int b = 0; b < s.length; b++) {
                Tensor src = e.getValue().get(buffers.get(b));
                if (src.backend() == p.backend()) {
                    p.backend().copyBlocks(src.storage(), 0, 0, s[b], 0, 0, 1, p.size());
                } else {
                    p.backend().upload(src.toFloatArray(), 0, s[b], 0, p.size());
                }
            }
            this.state.put(p, s);
            for (String c : counters) {
                setCounter(p, c, (int) e.getValue().get(c).item());
            }
        }
        if (newLr != null) {
            this.lr = newLr;
        }
    }

    private static List<String> names(List<String> buffers, List<String> counters) {
        List<String> all = new ArrayList<>(buffers);
        all.addAll(counters);
        return all;
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + ": " + op + "() after close()");
        }
    }

    private Storage[] allocateState(Tensor p) {
        Storage[] s = new Storage[stateCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = p.backend().allocate(DType.FLOAT32, p.size());
            p.backend().fill(s[i], 0, p.size(), 0f);
        }
        return s;
    }

    /** Clears the gradients of every parameter. */
    public final void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    /** The parameter groups (unmodifiable); one group of every parameter unless groups were given. */
    public final List<ParamGroup> paramGroups() {
        return groups;
    }

    /** The group {@code param} belongs to, for {@link #update}. */
    protected final ParamGroup group(Tensor param) {
        ParamGroup g = groupOf.get(param);
        if (g == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + param.shape()
                    + " is not one of its parameters");
        }
        return g;
    }

    /** The learning rate of {@code param}'s group: {@link #lr()} times the group's multiplier. */
    protected final float lr(Tensor param) {
        return lr * group(param).lrScale();
    }

    /** The parameters this optimizer updates (unmodifiable). */
    public final List<Tensor> parameters() {
        return params;
    }

    /** The current learning rate. */
    public final float lr() {
        return lr;
    }

    /** Sets the learning rate (learning-rate schedules call this). */
    public final void setLr(float lr) {
        checkLr(lr);
        this.lr = lr;
    }

    /** Number of parameters that have state so far (those updated at least once). */
    public final int stateSize() {
        return state.size();
    }

    /** Frees the state buffers; the optimizer cannot step afterwards. Closing twice is harmless. */
    @Override
    public void close() {
        closed = true;
        List<Storage[]> all = new ArrayList<>(state.values());
        state.clear();
        for (Storage[] s : all) {
            for (Storage buf : s) {
                buf.release();
            }
        }
    }

    private void checkLr(float value) {
        if (!(value >= 0f) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be finite and >= 0, got "
                    + value);
        }
    }
}

package dev.flint.tensor;

import dev.flint.autograd.BackwardEngine;
import dev.flint.autograd.Differentiable;
import dev.flint.autograd.GradMode;
import dev.flint.autograd.Node;
import dev.flint.backend.AbstractStorage;
import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.DType;
import dev.flint.backend.Storage;
import dev.flint.backend.Unary;
import dev.flint.backend.UnaryOp;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An n-dimensional array of float32 (or int32 labels) on one backend, and a node of the computational
 * graph when it takes part in training. Storage is contiguous and row-major. Every op returns a new
 * tensor; ops between tensors of two backends are an error.
 *
 * <pre>{@code
 * Tensor w = Tensor.onDefault().randn(Shape.of(3, 2), new Rng(1)).requiresGrad(true);
 * Tensor x = Tensor.onDefault().fromFloats(new float[] {1, 2, 3}, Shape.of(1, 3));
 * Tensor loss = x.matmul(w).relu().sum();
 * loss.backward();
 * float[] dw = w.grad().toFloatArray();
 * }</pre>
 *
 * <p>Tensors are {@link AutoCloseable}: closing frees the storage (vital on a GPU); closing twice is
 * harmless, and any use after close throws. A {@link Scope} closes every tensor made inside it.
 *
 * <p>Autograd refuses to be wrong, as PyTorch does: an in-place write ({@link #fill},
 * {@link #copyFrom}, {@link #mutableStorage}: an optimizer step) to a tensor that a recorded op saved
 * for its gradient makes that op's backward fail, naming the op and the tensor; {@link #backward()}
 * frees the graph, so a second pass through it fails unless the first was {@code backward(true)}.
 *
 * <p>Threads: a tensor no thread writes may be read by any number of threads at once (as the input of
 * any op: a model's weights serving requests), and {@link #backward()} may run on several threads at
 * once, each through its own graph, into shared leaves (each leaf adds every contribution). Writing a
 * tensor (an in-place op, an optimizer step, {@link #close()}) while another thread uses it is not
 * allowed, nor are two backward passes through one graph (detected: one runs, the others fail).
 * {@link Scope}s and no-grad mode belong to one thread. The README's "Threads" section has the whole
 * contract.
 */
public final class Tensor implements Differentiable<Tensor>, AutoCloseable {
    private final Backend backend;
    private final Shape shape;
    private final DType dtype;
    private final Storage storage;
    /** In-place writes to the data so far; shared by the views of one storage (reshape, detach). */
    private final AtomicInteger version;
    private volatile boolean closed;

    private boolean requiresGrad;
    private Node<Tensor> gradFn;
    private Tensor grad;
    /** The scope that owns this tensor, or null. */
    Scope owner;
    /** INT32 only: the value range known without a download, shared by views of one storage. */
    KnownRange knownRange;

    Tensor(Backend backend, Shape shape, DType dtype, Storage storage) {
        this(backend, shape, dtype, storage, new AtomicInteger());
    }

    private Tensor(Backend backend, Shape shape, DType dtype, Storage storage, AtomicInteger version) {
        this.backend = backend;
        this.shape = shape;
        this.dtype = dtype;
        this.storage = storage;
        this.version = version;
        this.knownRange = dtype == DType.INT32 ? KnownRange.unknown() : null;
        Scope scope = Scope.current();
        if (scope != null) {
            scope.adopt(this);
        }
    }

    /** A new tensor with freshly allocated, undefined contents. */
    static Tensor empty(Backend backend, Shape shape, DType dtype) {
        return new Tensor(backend, shape, dtype, backend.allocate(dtype, shape.size()));
    }

    /**
     * A view of {@code source}'s data with another shape of the same size: same storage, same version,
     * same known value range.
     */
    static Tensor view(Tensor source, Shape shape) {
        Storage data = source.storage();
        data.retain();
        Tensor view = new Tensor(source.backend, shape, source.dtype, data, source.version);
        view.knownRange = source.knownRange;
        return view;
    }

    // =========================================================================== factories

    /**
     * The factory for new tensors on {@code backend}: every creation method (zeros, fromFloats, randn,
     * ...) lives there once, bound to the backend.
     *
     * <pre>{@code
     * TensorFactory cpu = Tensor.on(Backends.get("cpu"));
     * Tensor w = cpu.randn(Shape.of(784, 10), new Rng(42));
     * }</pre>
     */
    public static TensorFactory on(Backend backend) {
        return new TensorFactory(backend);
    }

    /**
     * The factory for the default backend ({@link Backends#defaultBackend()}: {@code -Dflint.backend},
     * {@code FLINT_BACKEND}, else the best usable one), resolved now.
     */
    public static TensorFactory onDefault() {
        return new TensorFactory(Backends.defaultBackend());
    }

    /** Concatenation along {@code dim}; every other dimension must agree. */
    public static Tensor concat(List<Tensor> tensors, int dim) {
        return ShapeOps.concat(tensors, dim);
    }

    // =========================================================================== info

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The backend that holds the storage. */
    public Backend backend() {
        return backend;
    }

    /** Number of elements. */
    public int size() {
        return shape.size();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.rank();
    }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /**
     * The backend storage, to read (backend primitives, serializers). To write in place, use
     * {@link #mutableStorage()}, which autograd notices.
     */
    public Storage storage() {
        checkOpen("storage");
        return storage;
    }

    /**
     * The backend storage, for an in-place write (an optimizer step, a fused update): counts as a
     * modification, so a recorded op that saved this tensor for its gradient refuses to run backward
     * afterwards instead of computing a wrong gradient.
     */
    public Storage mutableStorage() {
        checkOpen("mutableStorage");
        version.incrementAndGet();
        if (knownRange != null) {
            knownRange.forget();
        }
        return storage;
    }

    /** A host copy of a FLOAT32 tensor's elements, row-major. Waits for the backend. */
    public float[] toFloatArray() {
        checkOpen("toFloatArray");
        if (dtype != DType.FLOAT32) {
            throw new IllegalStateException("toFloatArray: tensor is " + dtype + ", expected float32 (use toIntArray)");
        }
        float[] out = new float[size()];
        backend.download(storage(), 0, out, 0, out.length);
        return out;
    }

    /** A host copy of an INT32 tensor's elements, row-major. Waits for the backend. */
    public int[] toIntArray() {
        checkOpen("toIntArray");
        if (dtype != DType.INT32) {
            throw new IllegalStateException("toIntArray: tensor is " + dtype + ", expected int32 (use toFloatArray)");
        }
        int[] out = new int[size()];
        backend.download(storage(), 0, out, 0, out.length);
        return out;
    }

    /** The single value of a one-element tensor, as float. */
    public float item() {
        checkOpen("item");
        if (size() != 1) {
            throw new IllegalStateException("item: tensor of shape " + shape + " has " + size()
                    + " elements, expected exactly 1");
        }
        return dtype == DType.INT32 ? toIntArray()[0] : toFloatArray()[0];
    }

    /** Like {@code Tensor[2, 3] float32 on cpu [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}; at most 8 values. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(' ').append(dtype).append(" on ")
                .append(backend.name());
        if (requiresGrad) {
            sb.append(" requiresGrad");
        }
        if (gradFn != null) {
            sb.append(" (").append(gradFn.op()).append(')');
        }
        if (closed) {
            return sb.append(" [closed]").toString();
        }
        int n = Math.min(size(), 8);
        sb.append(" [");
        if (dtype == DType.INT32) {
            int[] v = new int[n];
            backend.download(storage(), 0, v, 0, n);
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : ", ").append(v[i]);
            }
        } else {
            float[] v = new float[n];
            backend.download(storage(), 0, v, 0, n);
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", v[i]));
            }
        }
        return sb.append(size() > n ? ", ...]" : "]").toString();
    }

    // =========================================================================== autograd

    /**
     * Marks a leaf tensor as a parameter whose gradient {@link #backward()} computes. Returns this.
     */
    public Tensor requiresGrad(boolean requires) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad: only leaf tensors can be marked; this one was made by "
                    + gradFn.op() + " (use detach() first)");
        }
        if (requires && dtype != DType.FLOAT32) {
            throw new IllegalStateException("requiresGrad: only float32 tensors can have gradients, this one is " + dtype);
        }
        this.requiresGrad = requires;
        return this;
    }

    /** Whether gradients flow to or through this tensor. */
    @Override
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Whether this tensor was made by the user rather than by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The graph node that produced this tensor, or null for a leaf. */
    @Override
    public Node<Tensor> gradFn() {
        return gradFn;
    }

    /**
     * How many in-place writes ({@link #fill}, {@link #copyFrom}, {@link #mutableStorage}: optimizer
     * steps) this tensor's data has had; views of the same data share the count. A recorded op whose
     * gradient needs this tensor refuses to run backward once it changed.
     */
    @Override
    public int version() {
        return version.get();
    }

    /** The shape, for graphs and messages: {@code [2, 3]}. */
    @Override
    public String describe() {
        return shape.toString();
    }

    /** The accumulated gradient of a leaf after {@link #backward()}, or null. */
    public synchronized Tensor grad() {
        return grad;
    }

    /** Frees and forgets the gradient. */
    public synchronized void zeroGrad() {
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** Replaces the gradient (optimizers and gradient clipping use it); the tensor takes ownership. */
    public synchronized void setGrad(Tensor g) {
        if (g != null && !g.shape.equals(shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + g.shape + " differs from tensor shape " + shape);
        }
        if (grad != null && grad != g) {
            grad.close();
        }
        if (g != null && g.owner != null) {
            g.owner.disown(g);
            g.owner = null;
        }
        grad = g;
    }

    /** A tensor sharing this one's storage but cut from the graph (no gradient flows through it). */
    public Tensor detach() {
        checkOpen("detach");
        return view(this, shape);
    }

    /**
     * Computes the gradient of this scalar with respect to every leaf that requires it, accumulating
     * into their {@link #grad()}, and frees the graph behind it: a second {@code backward()} through
     * the same graph is an error. Equivalent to {@code backward(false)}.
     */
    public void backward() {
        backward(false);
    }

    /**
     * Like {@link #backward()}; with {@code retainGraph} the graph is kept, so that another backward
     * pass (through this tensor or another output sharing part of the graph) can run through it.
     *
     * <pre>{@code
     * loss.backward(true);   // keep the graph
     * loss.backward();       // gradients now doubled; the graph is freed
     * }</pre>
     */
    public void backward(boolean retainGraph) {
        checkOpen("backward");
        if (size() != 1) {
            throw new IllegalStateException("backward: only a scalar (one element) can start backward, got shape "
                    + shape + "; reduce it first, for example with sum() or mean()");
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this tensor does not require a gradient (no input requires one,"
                    + " or it was computed in a no-grad scope)");
        }
        BackwardEngine.run(this, on(backend).full(shape, 1f), retainGraph, TensorGradients.INSTANCE);
    }

    /**
     * Called by the engine: adds {@code g} (already of this shape) into the leaf gradient. Synchronized
     * on the leaf, so that backward passes on several threads into one shared parameter each add their
     * whole contribution.
     *
     * <p>A first gradient is kept as it is, instead of copied, where nothing else can reach it: the
     * engine says no other part of the pass holds it ({@code exclusive}), the pass made it (its owner is
     * the pass's own scope, the innermost one open), and no view shares its storage. That is the case for
     * a weight's gradient straight from its product; the copy was 2-3% of an MLP training step (6 copies,
     * 2.7 MB). As in PyTorch, where AccumulateGrad keeps a gradient nothing else references.
     */
    synchronized void accumulateGrad(Tensor g, boolean exclusive) {
        checkOpen("backward (accumulating a gradient)");
        if (grad == null) {
            boolean keep = g.gradFn == null && (g.owner == null
                    || (exclusive && g.owner == Scope.current() && g.storage instanceof AbstractStorage s
                            && s.holders() == 1));
            Tensor copy = keep ? g : ElementwiseOps.copy(g);
            if (copy.owner != null) {
                copy.owner.disown(copy);
                copy.owner = null;
            }
            grad = copy;
        } else {
            grad.version.incrementAndGet();
            backend.binary(dev.flint.backend.BinaryOp.ADD, grad.storage(), shape.strides(), g.storage(),
                    shape.strides(), grad.storage(), shape.dims());
        }
    }

    /** No saved tensors: the op's gradient reads none of its inputs or its output. */
    static final Tensor[] NOTHING_SAVED = {};

    /** The tensors an op's gradient reads (inputs or output), whose in-place modification is an error. */
    static Tensor[] saves(Tensor... tensors) {
        return tensors;
    }

    /**
     * Records the node that made {@code out} when recording is on and an input requires a gradient:
     * {@code saved} lists what {@code backward} reads, {@code inputs} its gradients' destinations.
     */
    static Tensor record(Tensor out, String op, Tensor[] saved, Node.Backward<Tensor> backward, Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return out;
        }
        boolean any = false;
        for (Tensor in : inputs) {
            if (in != null && in.requiresGrad) {
                any = true;
                break;
            }
        }
        if (any) {
            out.requiresGrad = true;
            out.gradFn = new Node<>(op, inputs, saved, out.describe(), backward);
        }
        return out;
    }

    // =========================================================================== memory

    /** Frees the storage (shared storage is freed when its last tensor closes). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (owner != null) {
            owner.disown(this);
            owner = null;
        }
        storage.release();
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": tensor " + shape + " " + dtype + " on '" + backend.name()
                    + "' was closed");
        }
    }

    /**
     * Copies {@code src}'s values into this tensor in place (same shape and dtype, any backend); not
     * recorded by autograd.
     */
    public Tensor copyFrom(Tensor src) {
        checkOpen("copyFrom");
        src.checkOpen("copyFrom");
        if (!src.shape.equals(shape) || src.dtype != dtype) {
            throw new IllegalArgumentException("copyFrom: source " + src.shape + " " + src.dtype
                    + " does not match destination " + shape + " " + dtype);
        }
        version.incrementAndGet();
        if (src.backend == backend) {
            backend.copyBlocks(src.storage(), 0, 0, storage(), 0, 0, 1, size());
        } else if (dtype == DType.FLOAT32) {
            backend.upload(src.toFloatArray(), 0, storage(), 0, size());
        } else {
            backend.upload(src.toIntArray(), 0, storage(), 0, size());
        }
        if (knownRange != null) {
            knownRange.assign(src.knownRange);
        }
        return this;
    }

    /** Sets every element to {@code value} in place; not recorded by autograd. */
    public Tensor fill(float value) {
        checkOpen("fill");
        version.incrementAndGet();
        backend.fill(storage(), 0, size(), value);
        if (knownRange != null) {
            knownRange.forget();
        }
        return this;
    }

    // =========================================================================== shape ops

    /** The same elements with a new shape (a view; one dimension may be -1). */
    public Tensor reshape(int... dims) {
        return ShapeOps.reshape(this, dims);
    }

    /** All dimensions flattened into one. */
    public Tensor flatten() {
        return ShapeOps.reshape(this, size());
    }

    /** Dimensions from {@code startDim} on flattened into one: (N, C, H, W).flatten(1) is (N, C*H*W). */
    public Tensor flatten(int startDim) {
        int s = shape.axis(startDim, "flatten");
        int[] dims = new int[s + 1];
        for (int i = 0; i < s; i++) {
            dims[i] = shape.dim(i);
        }
        dims[s] = shape.sizeBetween(s, rank());
        return ShapeOps.reshape(this, dims);
    }

    /**
     * Transpose of a 2-D tensor (a copy, as {@link #transpose}). To multiply by a transpose without
     * copying, use {@link #matmul(Tensor, boolean, boolean)} or {@link #linear}.
     */
    public Tensor t() {
        if (rank() != 2) {
            throw new IllegalArgumentException("t: expected a 2-D tensor, got shape " + shape);
        }
        return transpose(0, 1);
    }

    /** Swaps two dimensions. */
    public Tensor transpose(int dim0, int dim1) {
        int a = shape.axis(dim0, "transpose");
        int b = shape.axis(dim1, "transpose");
        int[] perm = new int[rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return ShapeOps.permute(this, perm);
    }

    /** Reorders dimensions: result dimension i is this tensor's dimension {@code perm[i]}. */
    public Tensor permute(int... perm) {
        return ShapeOps.permute(this, perm);
    }

    /** Rows {@code [from, to)} along dimension 0 (a batch). */
    public Tensor slice(int from, int to) {
        return ShapeOps.slice(this, from, to);
    }

    /** Rows along dimension 0 picked by an INT32 index tensor (repeats allowed). */
    public Tensor indexSelect(Tensor indices) {
        return ShapeOps.indexSelect(this, indices);
    }

    /** This tensor on {@code target} (this same tensor when already there); gradients flow back. */
    public Tensor to(Backend target) {
        return ShapeOps.to(this, target);
    }

    /** Converted to {@code target} dtype (float to int truncates toward zero); not differentiable. */
    public Tensor castTo(DType target) {
        return ElementwiseOps.cast(this, target);
    }

    // =========================================================================== elementwise

    /** {@code this + other} with broadcasting. */
    public Tensor add(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.ADD, this, other);
    }

    /** {@code this - other} with broadcasting. */
    public Tensor sub(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.SUB, this, other);
    }

    /** {@code this * other} elementwise with broadcasting. */
    public Tensor mul(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.MUL, this, other);
    }

    /** {@code this / other} elementwise with broadcasting. */
    public Tensor div(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.DIV, this, other);
    }

    /** {@code this ^ other} elementwise with broadcasting. */
    public Tensor pow(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.POW, this, other);
    }

    /** Elementwise maximum with broadcasting (ties split the gradient evenly). */
    public Tensor maximum(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.MAX, this, other);
    }

    /** Elementwise minimum with broadcasting (ties split the gradient evenly). */
    public Tensor minimum(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.MIN, this, other);
    }

    /** Mask (1 where equal, else 0). */
    public Tensor eq(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.EQ, this, other);
    }

    /** Mask (1 where not equal). */
    public Tensor ne(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.NE, this, other);
    }

    /** Mask (1 where {@code this < other}). */
    public Tensor lt(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.LT, this, other);
    }

    /** Mask (1 where {@code this <= other}). */
    public Tensor le(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.LE, this, other);
    }

    /** Mask (1 where {@code this > other}). */
    public Tensor gt(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.GT, this, other);
    }

    /** Mask (1 where {@code this >= other}). */
    public Tensor ge(Tensor other) {
        return ElementwiseOps.binary(dev.flint.backend.BinaryOp.GE, this, other);
    }

    /** Mask (1 where {@code this == value}). */
    public Tensor eq(float value) {
        return ElementwiseOps.compareScalar(dev.flint.backend.BinaryOp.EQ, this, value);
    }

    /** Mask (1 where {@code this < value}). */
    public Tensor lt(float value) {
        return ElementwiseOps.compareScalar(dev.flint.backend.BinaryOp.LT, this, value);
    }

    /** Mask (1 where {@code this <= value}). */
    public Tensor le(float value) {
        return ElementwiseOps.compareScalar(dev.flint.backend.BinaryOp.LE, this, value);
    }

    /** Mask (1 where {@code this > value}). */
    public Tensor gt(float value) {
        return ElementwiseOps.compareScalar(dev.flint.backend.BinaryOp.GT, this, value);
    }

    /** Mask (1 where {@code this >= value}). */
    public Tensor ge(float value) {
        return ElementwiseOps.compareScalar(dev.flint.backend.BinaryOp.GE, this, value);
    }

    /** {@code this + value}. */
    public Tensor add(float value) {
        return ElementwiseOps.affine(this, 1f, value);
    }

    /** {@code this - value}. */
    public Tensor sub(float value) {
        return ElementwiseOps.affine(this, 1f, -value);
    }

    /** {@code this * value}. */
    public Tensor mul(float value) {
        return ElementwiseOps.affine(this, value, 0f);
    }

    /** {@code this / value}. */
    public Tensor div(float value) {
        return ElementwiseOps.affine(this, 1f / value, 0f);
    }

    /** {@code -this}. */
    public Tensor neg() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.NEG), this);
    }

    /** {@code e^this}. */
    public Tensor exp() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.EXP), this);
    }

    /** Natural logarithm. */
    public Tensor log() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.LOG), this);
    }

    /** Square root. */
    public Tensor sqrt() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.SQRT), this);
    }

    /** {@code this * this}. */
    public Tensor square() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.SQUARE), this);
    }

    /** {@code this ^ exponent}. */
    public Tensor pow(float exponent) {
        return ElementwiseOps.unary(Unary.pow(exponent), this);
    }

    /** Absolute value (gradient 0 at 0). */
    public Tensor abs() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.ABS), this);
    }

    /** Clamped into [lo, hi] (gradient 1 inside, 0 outside). */
    public Tensor clamp(float lo, float hi) {
        if (lo > hi) {
            throw new IllegalArgumentException("clamp: lo " + lo + " > hi " + hi);
        }
        return ElementwiseOps.unary(Unary.clamp(lo, hi), this);
    }

    /** -1, 0 or 1 by the sign of each element (zero and NaN kept); no gradient. */
    public Tensor sign() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.SIGN), this);
    }

    /** {@code 1 / this}. */
    public Tensor reciprocal() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.RECIPROCAL), this);
    }

    /** {@code scale * this + shift}, one pass. */
    public Tensor affine(float scale, float shift) {
        return ElementwiseOps.unary(Unary.affine(scale, shift), this);
    }

    /** Mask: 1 where {@code lo <= this <= hi}, else 0; no gradient. */
    public Tensor inRange(float lo, float hi) {
        return ElementwiseOps.unary(Unary.inRange(lo, hi), this);
    }

    // =========================================================================== linear algebra

    /**
     * Matrix product over the last two dimensions, batched over the leading ones, which broadcast as in
     * NumPy and PyTorch: (m, k) x (k, n); (B, H, T, D) x (B, H, D, T); (1, H, T, D) x (B, H, D, T) (one
     * operand reused for every batch entry, without a copy); (B, T, C) x (C, N), one GEMM.
     *
     * <pre>{@code
     * Tensor scores = q.matmul(k, false, true);   // q (B, H, T, D) times k (B, H, T, D) transposed: (B, H, T, T)
     * }</pre>
     */
    public Tensor matmul(Tensor other) {
        return LinalgOps.matmul(this, other, false, false);
    }

    /**
     * {@code op(this) op(other)}, where a set flag swaps that operand's last two dimensions. The
     * transpose is passed to GEMM as a flag, never copied, in the forward and the backward pass.
     *
     * <pre>{@code
     * Tensor scores = q.matmul(k, false, true);   // q k^T for q (b, t, d), k (b, t, d)
     * }</pre>
     */
    public Tensor matmul(Tensor other, boolean transposeThis, boolean transposeOther) {
        return LinalgOps.matmul(this, other, transposeThis, transposeOther);
    }

    /**
     * {@code this weight^T + bias} for this (..., in), weight (out, in) and bias (out) or null, as
     * PyTorch's {@code linear}: the layer {@code nn.Linear} computes, with no copy of the weight.
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        return LinalgOps.linear(this, weight, bias);
    }

    // =========================================================================== reductions

    /** Sum of all elements (a scalar). */
    public Tensor sum() {
        return ReduceOps.reduce(ReduceOps.Kind.SUM, this, ReduceOps.allAxes(rank()), false);
    }

    /** Sum along {@code axis}. */
    public Tensor sum(int axis, boolean keepDims) {
        return ReduceOps.reduce(ReduceOps.Kind.SUM, this, new int[] {axis}, keepDims);
    }

    /** Sum along several axes. */
    public Tensor sum(int[] axes, boolean keepDims) {
        return ReduceOps.reduce(ReduceOps.Kind.SUM, this, axes, keepDims);
    }

    /** Mean of all elements (a scalar). */
    public Tensor mean() {
        return ReduceOps.reduce(ReduceOps.Kind.MEAN, this, ReduceOps.allAxes(rank()), false);
    }

    /** Mean along {@code axis}. */
    public Tensor mean(int axis, boolean keepDims) {
        return ReduceOps.reduce(ReduceOps.Kind.MEAN, this, new int[] {axis}, keepDims);
    }

    /** Mean along several axes. */
    public Tensor mean(int[] axes, boolean keepDims) {
        return ReduceOps.reduce(ReduceOps.Kind.MEAN, this, axes, keepDims);
    }

    /** Maximum of all elements (ties share the gradient). */
    public Tensor max() {
        return ReduceOps.reduce(ReduceOps.Kind.MAX, this, ReduceOps.allAxes(rank()), false);
    }

    /** Maximum along {@code axis} (ties share the gradient). */
    public Tensor max(int axis, boolean keepDims) {
        return ReduceOps.reduce(ReduceOps.Kind.MAX, this, new int[] {axis}, keepDims);
    }

    /** Maximum along several axes. */
    public Tensor max(int[] axes, boolean keepDims) {
        return ReduceOps.reduce(ReduceOps.Kind.MAX, this, axes, keepDims);
    }

    /** INT32 index of the maximum along {@code axis} (the axis is removed; first index wins ties). */
    public Tensor argmax(int axis) {
        return ReduceOps.argmax(this, axis);
    }

    // =========================================================================== activations

    /** {@code max(0, x)}. */
    public Tensor relu() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.RELU), this);
    }

    /** {@code x > 0 ? x : slope * x}. */
    public Tensor leakyRelu(float slope) {
        return ElementwiseOps.unary(Unary.leakyRelu(slope), this);
    }

    /** {@code 1 / (1 + e^-x)}. */
    public Tensor sigmoid() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.SIGMOID), this);
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.TANH), this);
    }

    /** GELU, exact: {@code x * Phi(x)} (PyTorch's {@code gelu(x)}, {@code approximate='none'}). */
    public Tensor gelu() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.GELU), this);
    }

    /**
     * GELU, tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))} (PyTorch's
     * {@code gelu(x, approximate='tanh')}, as in GPT-2).
     */
    public Tensor geluTanh() {
        return ElementwiseOps.unary(Unary.of(UnaryOp.GELU_TANH), this);
    }

    /** Softmax along {@code dim}, numerically stable. */
    public Tensor softmax(int dim) {
        return NnOps.softmax(this, dim, false);
    }

    /** Log-softmax along {@code dim}, numerically stable. */
    public Tensor logSoftmax(int dim) {
        return NnOps.softmax(this, dim, true);
    }

    /**
     * Softmax over the last dimension of {@code this + additiveMask}, where the mask (null for none)
     * broadcasts to this tensor's shape ({@code -inf} entries exclude a score); with {@code causal}, the
     * scores {@code j > i} of the last two dimensions (i the row, j the column) are excluded as well. A
     * row with every score excluded gives NaN, as in PyTorch. Gradients flow to this tensor and to a mask
     * that requires them.
     *
     * <pre>{@code
     * Tensor att = q.matmul(k, false, true).mul(scale).maskedSoftmax(null, true);   // (B, H, T, T), causal
     * }</pre>
     */
    public Tensor maskedSoftmax(Tensor additiveMask, boolean causal) {
        return AttentionOps.maskedSoftmax(this, additiveMask, causal);
    }

    // =========================================================================== normalization

    /**
     * Layer normalization over the last dimension: {@code (x - mean) / sqrt(var + eps) * weight + bias}
     * with the row's mean and biased variance, as PyTorch's {@code layer_norm(x, (x.shape[-1],), weight,
     * bias, eps)}. {@code weight} and {@code bias} (of the last dimension's size) may be null. One fused
     * kernel forward and one backward; only two floats per row are kept for the gradient.
     *
     * <pre>{@code
     * Tensor h = x.layerNorm(gamma, beta, 1e-5f);   // x (B, T, C), gamma and beta (C)
     * }</pre>
     */
    public Tensor layerNorm(Tensor weight, Tensor bias, float eps) {
        return NormOps.layerNorm(this, weight, bias, eps);
    }

    /**
     * Batch normalization over dimension 1 of this (N, C), (N, C, L) or (N, C, H, W) tensor, as PyTorch's
     * {@code batch_norm}. Training: normalizes with the batch's mean and biased variance and, when running
     * statistics are given (both or neither), updates them in place: {@code running = (1 - momentum) *
     * running + momentum * batchStat}, with the unbiased variance for the running var. Evaluation
     * ({@code training} false): normalizes with the running statistics, which are required.
     * {@code weight} and {@code bias} (C) may be null.
     *
     * <pre>{@code
     * Tensor y = x.batchNorm(runningMean, runningVar, gamma, beta, true, 0.1f, 1e-5f);   // x (N, C, H, W)
     * }</pre>
     */
    public Tensor batchNorm(Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                            float momentum, float eps) {
        return NormOps.batchNorm(this, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    // =========================================================================== embedding and attention

    /**
     * Rows of this (count, dim) table picked by the INT32 {@code indices} of any shape: (..., dim), as
     * PyTorch's {@code embedding(indices, weight, padding_idx)}. The gradient adds each output row into
     * its table row, except into row {@code paddingIndex} (-1 for none), whose gradient stays 0.
     *
     * <pre>{@code
     * Tensor tokens = table.embedding(ids, -1);   // table (vocab, C), ids (B, T) int32 -> (B, T, C)
     * }</pre>
     */
    public Tensor embedding(Tensor indices, int paddingIndex) {
        return NnOps.embedding(this, indices, paddingIndex);
    }

    /**
     * Scaled dot-product attention, {@code softmax(q k^T / sqrt(D) + additiveMask) v}, as one fused op
     * (PyTorch's {@code scaled_dot_product_attention(q, k, v, attn_mask, is_causal=causal)}): q
     * (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv) with equal leading dimensions (B, H), result
     * (..., Tq, Dv). The mask (null for none; a constant, no gradient) broadcasts to (..., Tq, Tk); with
     * {@code causal}, scores {@code j > i} are excluded (top-left aligned, as PyTorch). The (Tq, Tk)
     * attention matrix is never stored: the backward pass recomputes it from one float per row.
     *
     * <pre>{@code
     * Tensor y = Tensor.scaledDotProductAttention(q, k, v, null, true);   // (B, H, T, D) each
     * }</pre>
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor additiveMask,
                                                   boolean causal) {
        return AttentionOps.scaledDotProductAttention(q, k, v, additiveMask, causal);
    }

    /**
     * Multi-head self-attention over this packed projection (B, T, 3C), laid out as GPT-2's {@code c_attn}
     * output: q, k and v side by side, each split into {@code heads} heads of {@code C / heads}. Equal to
     * splitting it, viewing each part as (B, T, H, D), transposing to (B, H, T, D),
     * {@link #scaledDotProductAttention} and transposing back to (B, T, C), but the heads are read and
     * written in place through strides: no transposed copies, forward or backward.
     *
     * <pre>{@code
     * Tensor y = x.linear(wQkv, bQkv).selfAttention(4, null, true).linear(wProj, bProj);   // x (B, T, C)
     * }</pre>
     */
    public Tensor selfAttention(int heads, Tensor additiveMask, boolean causal) {
        return AttentionOps.selfAttention(this, heads, additiveMask, causal);
    }

    // =========================================================================== losses

    /** Mean squared error against {@code target} of the same shape: {@code mean((this - target)^2)}. */
    public Tensor mse(Tensor target) {
        return LossOps.mse(this, target);
    }

    /**
     * Mean cross-entropy of logits (N, C) against INT32 labels (N,), fused with the softmax:
     * {@code mean_i(logsumexp(x_i) - x_i[y_i])}. Labels made by {@code fromInts} (or sliced, gathered or
     * reshaped from such) carry their value range, so the range check costs no device round trip; labels
     * computed on the device are downloaded for the check once.
     */
    public Tensor crossEntropy(Tensor labels) {
        return LossOps.crossEntropy(this, labels);
    }

    /**
     * Multiclass hinge (SVM) loss of scores (N, C) against INT32 labels (N,):
     * {@code mean_i sum_{j != y_i} max(0, s_ij - s_iy_i + margin)}.
     */
    public Tensor hinge(Tensor labels, float margin) {
        return LossOps.hinge(this, labels, margin);
    }

    // =========================================================================== convolution and pooling

    /**
     * 2-D convolution of this (N, C, H, W) input with {@code weight} (O, C, kH, kW) and an optional
     * {@code bias} (O), zero padding.
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int strideH, int strideW, int padH, int padW) {
        return NnOps.conv2d(this, weight, bias, strideH, strideW, padH, padW);
    }

    /** 2-D max pooling of this (N, C, H, W) input. */
    public Tensor maxPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        return NnOps.maxPool2d(this, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    /** 2-D average pooling of this (N, C, H, W) input; padding counts as zeros. */
    public Tensor avgPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        return NnOps.avgPool2d(this, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    /**
     * Inverted dropout: when {@code training}, zeroes each element with probability {@code p} (mask
     * drawn on the host from {@code rng}) and scales the rest by {@code 1/(1-p)}; otherwise returns this.
     */
    public Tensor dropout(float p, boolean training, Rng rng) {
        return NnOps.dropout(this, p, training, rng);
    }
}

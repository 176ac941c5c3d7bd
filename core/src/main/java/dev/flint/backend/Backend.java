package dev.flint.backend;


/**
 * The backend SPI: the small, closed set of primitives a backend implements. Everything else in
 * Flint (the tensor ops, autograd, layers, losses, optimizers) is composed above it, once.
 * {@link Primitive} lists the same set; the conformance suite tests every entry on every backend.
 *
 * <p>Contract for every primitive:
 * <ul>
 *   <li>Arguments were validated by the front end (shapes, dtypes, ranges, ownership), so a
 *       backend checks nothing it need not; it must never read or write outside the sizes given.</li>
 *   <li>Storage is contiguous and row-major; sizes and offsets count elements, not bytes.</li>
 *   <li>Outputs are overwritten unless the method says it accumulates. An output never aliases an
 *       input, except that elementwise primitives ({@link #unary}, {@link #unaryBackward}, {@link #binary}
 *       with equal shapes) allow {@code out == input}.</li>
 *   <li>Primitives may run asynchronously (CUDA); {@link #download} and {@link #synchronize} wait.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    /** Short lowercase name used to select the backend, such as {@code "cpu"} or {@code "cuda"}. */
    String name();

    /** Human-readable description of the device, such as {@code "NVIDIA H100 80GB (compute 9.0)"}. */
    String deviceDescription();

    // ---------------------------------------------------------------- memory and transfer

    /** A new buffer of {@code size} elements; contents are undefined. */
    Storage allocate(DType dtype, int size);

    /** Copies {@code length} floats from the host into {@code dst} (FLOAT32) at {@code dstOffset}. */
    void upload(float[] src, int srcOffset, Storage dst, int dstOffset, int length);

    /** Copies {@code length} ints from the host into {@code dst} (INT32) at {@code dstOffset}. */
    void upload(int[] src, int srcOffset, Storage dst, int dstOffset, int length);

    /** Copies {@code length} floats of {@code src} (FLOAT32) to the host; waits for pending work. */
    void download(Storage src, int srcOffset, float[] dst, int dstOffset, int length);

    /** Copies {@code length} ints of {@code src} (INT32) to the host; waits for pending work. */
    void download(Storage src, int srcOffset, int[] dst, int dstOffset, int length);

    /** Sets {@code length} elements from {@code offset} to {@code value} (converted to int for INT32). */
    void fill(Storage dst, int offset, int length, float value);

    /**
     * Strided block copy between buffers of the same dtype: for {@code i < blocks}, copies
     * {@code blockLength} elements from {@code src[srcOffset + i * srcStride]} to
     * {@code dst[dstOffset + i * dstStride]}. Slicing, concatenation and their gradients use it.
     */
    void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                    int blocks, int blockLength);

    /**
     * Materializes a permutation of axes: {@code dst} has dims {@code srcDims[perm[i]]} and
     * {@code dst[..., j_i, ...] = src[..., j_perm^-1 ...]} as in NumPy's {@code transpose(perm)}.
     * Works for any dtype.
     */
    void permute(Storage src, int[] srcDims, int[] perm, Storage dst);

    /** Converts {@code n} elements between FLOAT32 and INT32 (float to int truncates toward zero). */
    void cast(Storage src, Storage dst, int n);

    // ---------------------------------------------------------------- linear algebra

    /**
     * Batched row-major GEMM as {@link Gemm} describes it: for {@code p < batch},
     * {@code C_p = alpha * op(A_p) * op(B_p) + beta * C_p}. A batch stride of 0 reuses one matrix for
     * every batch entry; with {@code beta == 0}, C's old contents are ignored (even NaN).
     */
    void gemm(Gemm g);

    // ---------------------------------------------------------------- elementwise

    /** {@code y[i] = f(x[i])} for {@code i < n}; {@code y} may be {@code x}. */
    void unary(Unary f, Storage x, Storage y, int n);

    /**
     * {@code dx[i] = dy[i] * f'(x[i])} for {@code i < n}, for a differentiable {@code f}. Only the
     * operand the function's {@link UnaryOp.Derivative} names is passed: {@code x} (the forward input)
     * is null unless it is {@code OF_INPUT}, {@code y} (the forward output) null unless {@code OF_OUTPUT};
     * a backend must not read the other. {@code dx} may be {@code dy}.
     */
    void unaryBackward(Unary f, Storage x, Storage y, Storage dy, Storage dx, int n);

    /**
     * Broadcasting binary op: {@code out} is contiguous with dims {@code outDims}; element at index
     * vector {@code idx} reads {@code a[sum idx[d] * aStrides[d]]} and {@code b[sum idx[d] * bStrides[d]]}.
     * A stride of 0 broadcasts that axis. All three arrays have the same length (the output rank, 0 for
     * a scalar).
     */
    void binary(BinaryOp op, Storage a, int[] aStrides, Storage b, int[] bStrides, Storage out, int[] outDims);

    // ---------------------------------------------------------------- reductions

    /**
     * Reduces the middle axis of {@code x} viewed as {@code (outer, extent, inner)} into {@code out}
     * viewed as {@code (outer, inner)}. {@code extent >= 1}.
     */
    void reduce(ReduceOp op, Storage x, int outer, int extent, int inner, Storage out);

    /**
     * Index of the maximum along the middle axis of {@code (outer, extent, inner)}, written as INT32
     * into {@code out (outer, inner)}; the first index wins ties; NaN counts as the maximum.
     */
    void argmax(Storage x, int outer, int extent, int inner, Storage out);

    // ---------------------------------------------------------------- softmax

    /**
     * Softmax (or log-softmax when {@code log}) of each row of {@code x (rows, cols)}, numerically
     * stable (the row maximum is subtracted first).
     */
    void softmaxForward(boolean log, Storage x, Storage y, int rows, int cols);

    /**
     * Gradient of {@link #softmaxForward} from its output {@code y}: softmax
     * {@code dx = y * (dy - sum(dy * y))}; log-softmax {@code dx = dy - exp(y) * sum(dy)}, sums per row.
     */
    void softmaxBackward(boolean log, Storage y, Storage dy, Storage dx, int rows, int cols);

    /**
     * Fused softmax cross-entropy: for each row r of {@code logits (rows, classes)} with INT32 label
     * {@code labels[r]} in {@code [0, classes)}, writes {@code probs} = softmax of the row and
     * {@code losses[r] = logsumexp(row) - row[label]}, computed stably.
     */
    void softmaxCrossEntropyForward(Storage logits, Storage labels, Storage probs, Storage losses,
                                    int rows, int classes);

    /**
     * Gradient of the per-row losses: {@code dLogits[r, c] = dLosses[r] * (probs[r, c] - [c == labels[r]])}.
     */
    void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage dLosses, Storage dLogits,
                                     int rows, int classes);

    // ---------------------------------------------------------------- normalization

    /**
     * Layer normalization of each row of {@code x (rows, cols)}: {@code y = (x - mean) * rstd * weight + bias}
     * with the row's mean and {@code rstd = 1 / sqrt(var + eps)}, var the biased variance (PyTorch's
     * {@code layer_norm}). {@code weight} and {@code bias} ({@code cols}) may each be null (ones, zeros).
     * Writes {@code mean} and {@code rstd} ({@code rows}) for {@link #layerNormBackward}.
     */
    void layerNormForward(Storage x, Storage weight, Storage bias, Storage y, Storage mean, Storage rstd, int rows,
                          int cols, float eps);

    /**
     * Gradients of {@link #layerNormForward} from its saved {@code mean} and {@code rstd}, with
     * {@code xhat = (x - mean) * rstd} and {@code g = dy * weight}:
     * {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))} per row, {@code dWeight = sum over rows of dy * xhat},
     * {@code dBias = sum over rows of dy}. Each output is overwritten, and skipped when null; {@code weight}
     * may be null (ones).
     */
    void layerNormBackward(Storage x, Storage weight, Storage mean, Storage rstd, Storage dy, Storage dx,
                           Storage dWeight, Storage dBias, int rows, int cols);

    /**
     * Batch normalization of {@code x} viewed as {@code (batch, channels, inner)} as {@link BatchNormParams}
     * describes: {@code y = (x - mean) * invStd * weight + bias} per channel ({@code weight}, {@code bias} may
     * be null). Training: mean and biased variance of the batch, written to {@code saveMean} and
     * {@code saveInvStd = 1 / sqrt(var + eps)}, and the running statistics (when not null) updated in place
     * with the unbiased variance. Evaluation: {@code saveMean} and {@code saveInvStd} are computed from the
     * running statistics (which must not be null) and the running statistics are left alone.
     */
    void batchNormForward(BatchNormParams p, Storage x, Storage weight, Storage bias, Storage runningMean,
                          Storage runningVar, Storage y, Storage saveMean, Storage saveInvStd);

    /**
     * Gradients of {@link #batchNormForward} from its {@code saveMean} and {@code saveInvStd}, with
     * {@code xhat = (x - mean) * invStd}: training {@code dx = weight * invStd * (dy - mean(dy) - xhat * mean(dy * xhat))}
     * (means over the channel's {@code batch * inner} values, since the statistics depend on x); evaluation
     * {@code dx = weight * invStd * dy}; {@code dWeight = sum(dy * xhat)}, {@code dBias = sum(dy)} per channel.
     * Each output is overwritten, and skipped when null; {@code weight} may be null (ones).
     */
    void batchNormBackward(BatchNormParams p, Storage x, Storage weight, Storage saveMean, Storage saveInvStd,
                           Storage dy, Storage dx, Storage dWeight, Storage dBias);

    // ---------------------------------------------------------------- attention

    /**
     * Fused scaled dot-product attention as {@link Attention} describes: writes {@code a.out()} and
     * {@code a.lse()}; the score matrix is never stored. Output rows never alias the inputs.
     */
    void attentionForward(Attention a);

    /**
     * Gradients of {@link #attentionForward} from its output and log-sum-exp ({@code a.out()},
     * {@code a.lse()}, here inputs) and the output's gradient {@code dOut} (laid out like {@code a.out()}):
     * with {@code P = exp(S - lse)}, {@code dP = dOut V^T}, {@code dS = P * (dP - rowsum(dOut * out))},
     * {@code dQ = scale * dS K}, {@code dK = scale * dS^T Q}, {@code dV = P^T dOut}. {@code dq}, {@code dk}
     * and {@code dv} (laid out like q, k, v) are overwritten; they may share one buffer at disjoint
     * elements (the heads of one packed projection) but never alias an input.
     */
    void attentionBackward(Attention a, Attention.Operand dOut, Attention.Operand dq, Attention.Operand dk,
                           Attention.Operand dv);

    // ---------------------------------------------------------------- indexing

    /** {@code out (rows, classes)} float32 one-hot rows of the INT32 {@code labels} (each in range). */
    void oneHot(Storage labels, Storage out, int rows, int classes);

    /** {@code dst[i, :] = src[indices[i], :]} for {@code i < count}, rows of {@code rowLength}. */
    void gatherRows(Storage src, Storage indices, Storage dst, int count, int rowLength);

    /**
     * {@code dst[indices[i], :] += src[i, :]} for {@code i < count}; repeated indices accumulate.
     * {@code dst} is not cleared first.
     */
    void scatterAddRows(Storage src, Storage indices, Storage dst, int count, int rowLength);

    // ---------------------------------------------------------------- convolution and pooling

    /** {@code y = conv2d(x, w) + bias} (bias may be null; one value per output channel). */
    void conv2dForward(ConvGeometry g, Storage x, Storage w, Storage bias, Storage y);

    /** Gradient with respect to the input: {@code dx} is overwritten. */
    void conv2dBackwardData(ConvGeometry g, Storage dy, Storage w, Storage dx);

    /** Gradient with respect to the weight: {@code dw} is overwritten. */
    void conv2dBackwardWeight(ConvGeometry g, Storage x, Storage dy, Storage dw);

    /**
     * Max pooling; {@code indices} (INT32, like {@code y}) receives for each output the flat index
     * {@code h * inW + w} of the winning input within its (n, c) plane; the first maximum wins ties.
     */
    void maxPool2dForward(PoolGeometry g, Storage x, Storage y, Storage indices);

    /** Routes {@code dy} to the winning inputs; {@code dx} is overwritten (zeros elsewhere). */
    void maxPool2dBackward(PoolGeometry g, Storage dy, Storage indices, Storage dx);

    /** Average pooling; padded cells count as zeros in the kernel-sized average. */
    void avgPool2dForward(PoolGeometry g, Storage x, Storage y);

    /** Gradient of average pooling; {@code dx} is overwritten. */
    void avgPool2dBackward(PoolGeometry g, Storage dy, Storage dx);

    // ---------------------------------------------------------------- fused optimizer updates

    /**
     * One SGD step on {@code n} parameters in place; {@code velocity} is updated in place and may be
     * null when {@code p.momentum() == 0}.
     */
    void sgdUpdate(Storage param, Storage grad, Storage velocity, int n, SgdParams p);

    /** One Adam/AdamW step on {@code n} parameters; {@code m} and {@code v} updated in place. */
    void adamUpdate(Storage param, Storage grad, Storage m, Storage v, int n, AdamParams p);

    // ---------------------------------------------------------------- lifecycle

    /** Waits until every queued primitive has finished (a no-op on synchronous backends). */
    void synchronize();

    /** Memory statistics; backends without a pool report what they know. */
    MemoryStats memoryStats();

    /** Frees the backend's native resources; storage of a closed backend must not be used. */
    @Override
    void close();
}

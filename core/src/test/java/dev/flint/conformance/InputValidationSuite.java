package dev.flint.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.tensor.TensorFactory;
import dev.flint.testing.CountingBackend;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input in every op family is rejected before any backend call, with a message that names the
 * op and what was expected and what came, and the inputs are unchanged afterwards.
 */
public abstract class InputValidationSuite {

    protected abstract Backend backend();

    private Tensor t(int... dims) {
        return Tensor.on(backend()).uniform(Shape.of(dims), -1, 1, new Rng(dims.length * 31L + dims[0]));
    }

    /** Asserts {@code call} throws IllegalArgumentException mentioning each fragment, and inputs keep their values. */
    private void rejects(Executable call, List<Tensor> inputs, String... fragments) {
        List<float[]> before = inputs.stream().map(x -> x.dtype() == dev.flint.backend.DType.FLOAT32
                ? x.toFloatArray() : null).toList();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (before.get(i) != null) {
                assertArrayEquals(before.get(i), inputs.get(i).toFloatArray(), "input " + i + " changed by a rejected call");
            }
        }
    }

    @Test
    void elementwiseShapeMismatchNamesOpAndBothShapes() {
        Tensor a = t(2, 3);
        Tensor b = t(4, 3);
        rejects(() -> a.add(b), List.of(a, b), "add", "[2, 3]", "[4, 3]");
        rejects(() -> a.mul(b), List.of(a, b), "mul", "[2, 3]", "[4, 3]");
        rejects(() -> a.maximum(b), List.of(a, b), "max", "[2, 3]", "[4, 3]");
        rejects(() -> a.lt(b), List.of(a, b), "lt", "[2, 3]", "[4, 3]");
    }

    @Test
    void matmulShapeMismatch() {
        Tensor a = t(2, 3);
        Tensor b = t(4, 5);
        rejects(() -> a.matmul(b), List.of(a, b), "matmul", "[2, 3]", "[4, 5]", "3 != 4");
        Tensor c = t(2, 3, 4);
        Tensor d = t(3, 4, 5);
        rejects(() -> c.matmul(d), List.of(c, d), "matmul", "batch", "[2, 3, 4]", "[3, 4, 5]");
        Tensor v = t(3);
        rejects(() -> v.matmul(a), List.of(v, a), "matmul", "[3]");
    }

    @Test
    void reductionsRejectBadAxes() {
        Tensor a = t(2, 3);
        rejects(() -> a.sum(2, false), List.of(a), "sum", "axis 2", "[2, 3]");
        rejects(() -> a.mean(-3, true), List.of(a), "mean", "axis -3");
        rejects(() -> a.sum(new int[] {1, 1}, false), List.of(a), "sum", "repeated");
        rejects(() -> a.argmax(5), List.of(a), "argmax", "axis 5");
        rejects(() -> a.softmax(2), List.of(a), "softmax", "axis 2");
    }

    @Test
    void shapeOpsRejectBadArguments() {
        Tensor a = t(2, 3);
        rejects(() -> a.reshape(4, 2), List.of(a), "reshape", "[2, 3]", "[4, 2]");
        rejects(() -> a.reshape(-1, -1), List.of(a), "reshape", "-1");
        rejects(() -> a.permute(0, 0), List.of(a), "permute", "repeats");
        rejects(() -> a.permute(0), List.of(a), "permute", "[2, 3]");
        rejects(() -> a.slice(1, 3), List.of(a), "slice", "[1, 3)", "[2, 3]");
        rejects(() -> a.indexSelect(Tensor.on(backend()).fromInts(new int[] {0, 2}, Shape.of(2))), List.of(a),
                "indexSelect", "index 2", "[0, 2)");
        rejects(() -> a.indexSelect(t(2)), List.of(a), "indexSelect", "int32");
        Tensor b = t(3, 2);
        rejects(() -> Tensor.concat(List.of(a, b), 0), List.of(a, b), "concat", "[2, 3]", "[3, 2]");
        rejects(() -> Shape.of(2, -1), List.of(), "negative");
        rejects(() -> Tensor.on(backend()).fromFloats(new float[5], Shape.of(2, 3)), List.of(), "fromFloats", "5", "[2, 3]");
    }

    @Test
    void lossesRejectBadLabels() {
        Tensor logits = t(3, 4);
        Tensor outOfRange = Tensor.on(backend()).fromInts(new int[] {0, 4, 1}, Shape.of(3));
        rejects(() -> logits.crossEntropy(outOfRange), List.of(logits), "crossEntropy", "label 4", "[0, 4)");
        Tensor negative = Tensor.on(backend()).fromInts(new int[] {0, -1, 1}, Shape.of(3));
        rejects(() -> logits.hinge(negative, 1f), List.of(logits), "hinge", "label -1");
        Tensor wrongCount = Tensor.on(backend()).fromInts(new int[] {0, 1}, Shape.of(2));
        rejects(() -> logits.crossEntropy(wrongCount), List.of(logits), "crossEntropy", "[3, 4]", "[2]");
        Tensor floatLabels = t(3);
        rejects(() -> logits.crossEntropy(floatLabels), List.of(logits), "crossEntropy", "int32");
        Tensor target = t(3, 5);
        rejects(() -> logits.mse(target), List.of(logits, target), "mse", "[3, 4]", "[3, 5]");
    }

    @Test
    void anOutOfRangeLabelIsNamedWithItsPositionAndTheClassCount() {
        Tensor logits = t(3, 4);
        Tensor labels = Tensor.on(backend()).fromInts(new int[] {0, 1, 7}, Shape.of(3));
        rejects(() -> logits.crossEntropy(labels), List.of(logits), "crossEntropy", "label 7 at index 2",
                "[0, 4)");
        // A batch cut from a labelled data set keeps the range of its own rows, not the data set's.
        Tensor all = Tensor.on(backend()).fromInts(new int[] {0, 1, 2, 9, 3, 1}, Shape.of(6));
        Tensor goodRows = all.slice(0, 3);
        logits.crossEntropy(goodRows);
        rejects(() -> logits.crossEntropy(all.slice(2, 5)), List.of(logits), "label 9 at index 1", "[0, 4)");
    }

    @Test
    void labelsUploadedFromTheHostAreCheckedWithoutADownload() {
        CountingBackend counting = CountingBackend.wrap(backend());
        TensorFactory f = Tensor.on(counting.backend());
        Tensor logits = f.uniform(Shape.of(4, 3), -1, 1, new Rng(5));
        Tensor labels = f.fromInts(new int[] {2, 0, 1, 1, 0, 2}, Shape.of(6));
        Tensor picks = f.fromInts(new int[] {5, 0, 3, 3}, Shape.of(4));
        Tensor rows = f.uniform(Shape.of(6, 2), -1, 1, new Rng(7));
        long before = counting.hostSyncs();
        // Ops that only move labels keep their range: slice, reshape, detach, concatenation.
        logits.crossEntropy(labels.slice(1, 5)).close();
        rows.indexSelect(picks).close();
        logits.crossEntropy(labels.slice(0, 4).reshape(2, 2).reshape(4).detach()).close();
        logits.crossEntropy(Tensor.concat(List.of(labels.slice(0, 2), labels.slice(4, 6)), 0)).close();
        logits.hinge(labels.slice(2, 6), 1f).close();
        assertEquals(before, counting.hostSyncs(), "host syncs while checking labels and indices uploaded from the host");
    }

    @Test
    void labelsComputedOnTheDeviceAreDownloadedOnceForTheCheck() {
        CountingBackend counting = CountingBackend.wrap(backend());
        TensorFactory f = Tensor.on(counting.backend());
        Tensor logits = f.uniform(Shape.of(3, 4), -1, 1, new Rng(6));
        Tensor computed = f.fromFloats(new float[] {3, 0, 2}, Shape.of(3)).castTo(DType.INT32);
        long before = counting.hostSyncs();
        logits.crossEntropy(computed).close();
        assertEquals(before + 1, counting.hostSyncs(), "the first check downloads the labels once");
        logits.crossEntropy(computed).close();
        assertEquals(before + 1, counting.hostSyncs(), "a checked tensor is not checked again");
        Tensor bad = f.fromFloats(new float[] {3, 4, 2}, Shape.of(3)).castTo(DType.INT32);
        rejects(() -> logits.crossEntropy(bad), List.of(logits), "crossEntropy", "label 4 at index 1", "[0, 4)");
    }

    @Test
    void anInPlaceWriteInvalidatesTheKnownLabelRange() {
        Tensor logits = t(3, 4);
        Tensor labels = Tensor.on(backend()).fromInts(new int[] {0, 1, 2}, Shape.of(3));
        Tensor view = labels.reshape(3, 1).reshape(3);
        logits.crossEntropy(view);
        // Values written on the device, through the base tensor: the view must not trust its old range.
        labels.copyFrom(Tensor.on(backend()).fromFloats(new float[] {0, 6, 1}, Shape.of(3)).castTo(DType.INT32));
        rejects(() -> logits.crossEntropy(view), List.of(logits), "label 6 at index 1");
        labels.fill(5f);
        rejects(() -> logits.crossEntropy(labels), List.of(logits), "label 5 at index 0");
        // Copied from labels of known range: known again, and still checked against it.
        labels.copyFrom(Tensor.on(backend()).fromInts(new int[] {3, 3, 8}, Shape.of(3)));
        rejects(() -> logits.crossEntropy(view), List.of(logits), "label 8 at index 2");
    }

    @Test
    void twoBackendObjectsOfOneNameAreToldApart() {
        CountingBackend twin = CountingBackend.wrap(backend());
        Tensor a = t(2, 3);
        Tensor b = Tensor.on(twin.backend()).zeros(Shape.of(2, 3));
        String name = backend().name();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().startsWith("add: tensors on two different backend objects that are both named '"
                + name + "': [2, 3] on '" + name + "'@"), e.getMessage());
        assertTrue(e.getMessage().contains("Backends.get(\"" + name + "\")"), e.getMessage());
    }

    @Test
    void convAndPoolRejectMismatchedShapes() {
        Tensor x = t(2, 3, 8, 8);
        Tensor w = t(4, 2, 3, 3);
        rejects(() -> x.conv2d(w, null, 1, 1, 0, 0), List.of(x, w), "conv2d", "[2, 3, 8, 8]", "[4, 2, 3, 3]");
        Tensor w3 = t(4, 3, 3, 3);
        Tensor bias = t(5);
        rejects(() -> x.conv2d(w3, bias, 1, 1, 0, 0), List.of(x, w3, bias), "conv2d", "bias", "[5]");
        rejects(() -> x.conv2d(w3, null, 0, 1, 0, 0), List.of(x, w3), "conv2d", "stride");
        Tensor big = t(4, 3, 9, 9);
        rejects(() -> x.conv2d(big, null, 1, 1, 0, 0), List.of(x, big), "conv2d", "larger");
        Tensor flat = t(2, 3);
        rejects(() -> flat.conv2d(w3, null, 1, 1, 0, 0), List.of(flat), "conv2d", "[2, 3]", "4-D");
        rejects(() -> x.maxPool2d(9, 9, 1, 1, 0, 0), List.of(x), "maxPool2d", "larger");
        rejects(() -> x.avgPool2d(2, 2, 2, 2, 3, 0), List.of(x), "avgPool2d", "padding");
        rejects(() -> flat.maxPool2d(2, 2, 2, 2, 0, 0), List.of(flat), "maxPool2d", "4-D");
    }

    @Test
    void activationsAndDropoutRejectBadArguments() {
        Tensor x = t(2, 3);
        rejects(() -> x.dropout(1f, true, new Rng(1)), List.of(x), "dropout", "[0, 1)");
        rejects(() -> x.dropout(-0.1f, true, new Rng(1)), List.of(x), "dropout");
        Tensor labels = Tensor.on(backend()).fromInts(new int[] {1, 2}, Shape.of(2));
        rejects(labels::relu, List.of(), "relu", "float32", "int32");
        rejects(() -> x.clamp(1, -1), List.of(x), "clamp");
    }

    @Test
    void normalizationEmbeddingAndAttentionRejectBadArguments() {
        Tensor x = t(2, 3, 4);
        Tensor w3 = t(3);
        rejects(() -> x.layerNorm(w3, null, 1e-5f), List.of(x, w3), "layerNorm", "weight", "[4]", "[3]");
        rejects(() -> x.layerNorm(null, null, -1f), List.of(x), "layerNorm", "eps");
        Tensor w4 = t(4);
        rejects(() -> x.batchNorm(null, null, w4, null, true, 0.1f, 1e-5f), List.of(x, w4), "batchNorm", "weight",
                "[3]", "[4]");
        rejects(() -> x.batchNorm(null, null, null, null, false, 0.1f, 1e-5f), List.of(x), "batchNorm",
                "running statistics");
        Tensor one = t(1, 3);
        rejects(() -> one.batchNorm(null, null, null, null, true, 0.1f, 1e-5f), List.of(one), "batchNorm",
                "more than 1 value per channel", "[1, 3]");
        Tensor table = t(5, 2);
        Tensor ids = Tensor.on(backend()).fromInts(new int[] {0, 5}, Shape.of(2));
        rejects(() -> table.embedding(ids, -1), List.of(table, ids), "embedding", "index 5", "[0, 5)");
        Tensor floats = t(2);
        rejects(() -> table.embedding(floats, -1), List.of(table, floats), "embedding", "int32");
        rejects(() -> table.embedding(Tensor.on(backend()).fromInts(new int[] {0}, Shape.of(1)), 7), List.of(table),
                "embedding", "padding index", "7");
        Tensor q = t(2, 3, 4);
        Tensor k = t(2, 5, 3);
        rejects(() -> Tensor.scaledDotProductAttention(q, k, k, null, true), List.of(q, k), "scaledDotProductAttention",
                "[2, 3, 4]", "[2, 5, 3]");
        Tensor q4 = t(2, 2, 3, 4);
        rejects(() -> Tensor.scaledDotProductAttention(q4, q, q, null, false), List.of(q4, q),
                "scaledDotProductAttention", "[2, 2, 3, 4]", "[2, 3, 4]");
        Tensor badMask = t(4, 3);
        rejects(() -> Tensor.scaledDotProductAttention(q, q, q, badMask, false), List.of(q, badMask),
                "scaledDotProductAttention", "mask", "[4, 3]");
        Tensor learned = t(3, 3).requiresGrad(true);
        rejects(() -> Tensor.scaledDotProductAttention(q, q, q, learned, false), List.of(q, learned),
                "scaledDotProductAttention", "must not require a gradient");
        Tensor packed = t(2, 3, 12);
        rejects(() -> packed.selfAttention(3, null, true), List.of(packed), "selfAttention", "4 channels", "3 heads");
        Tensor odd = t(2, 3, 10);
        rejects(() -> odd.selfAttention(1, null, true), List.of(odd), "selfAttention", "(B, T, 3C)", "[2, 3, 10]");
        Tensor wide = t(2, 4, 3);
        rejects(() -> x.maskedSoftmax(wide, false), List.of(x, wide), "maskedSoftmax", "[2, 4, 3]");
    }

    @Test
    void closedTensorsAreRejected() {
        Tensor x = t(2);
        x.close();
        Supplier<Tensor> use = () -> x.add(x);
        IllegalStateException e = assertThrows(IllegalStateException.class, use::get);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}

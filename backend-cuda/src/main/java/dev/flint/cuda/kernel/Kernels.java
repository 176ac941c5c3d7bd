package dev.flint.cuda.kernel;

import dev.flint.cuda.driver.CudaContext;
import dev.flint.cuda.driver.CudaFunction;
import dev.flint.cuda.driver.CudaModule;
import dev.flint.cuda.driver.DeviceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every kernel of {@code src/main/cuda}, loaded into one context: one module per family, each from
 * the image {@link KernelImages} picks for the device. Fields are named after the kernels
 * ({@code softmaxForwardBlock} is {@code softmax_forward_block_f32}); resolving them all up front
 * means a missing kernel fails when the backend is created, not halfway through a training step.
 *
 * <pre>{@code
 * Kernels k = Kernels.load(ctx, device);
 * k.unary.launch(blocks, 256, 0, args);
 * }</pre>
 */
public final class Kernels implements AutoCloseable {
    public final CudaFunction unary;
    public final CudaFunction unaryBackward;
    public final CudaFunction binaryContiguous;
    public final CudaFunction binaryScalar;
    public final CudaFunction binaryStrided;
    public final CudaFunction castF32ToI32;
    public final CudaFunction castI32ToF32;
    public final CudaFunction softmaxForwardBlock;
    public final CudaFunction softmaxForwardWarp;
    public final CudaFunction softmaxBackwardBlock;
    public final CudaFunction softmaxBackwardWarp;
    public final CudaFunction xentForwardBlock;
    public final CudaFunction xentForwardWarp;
    public final CudaFunction xentBackward;
    public final CudaFunction reduceRows;
    public final CudaFunction reduceCols;
    public final CudaFunction argmaxRows;
    public final CudaFunction argmaxCols;
    public final CudaFunction im2col;
    public final CudaFunction col2im;
    public final CudaFunction biasAdd;
    public final CudaFunction maxPoolForward;
    public final CudaFunction maxPoolBackward;
    public final CudaFunction avgPoolForward;
    public final CudaFunction avgPoolBackward;
    public final CudaFunction sgdUpdate;
    public final CudaFunction adamUpdate;
    public final CudaFunction oneHot;
    public final CudaFunction gatherRows;
    public final CudaFunction scatterAddRows;
    public final CudaFunction copyBlocks;
    public final CudaFunction permute;
    public final CudaFunction layerNormForward;
    public final CudaFunction layerNormBackwardDx;
    public final CudaFunction layerNormBackwardPartial;
    public final CudaFunction layerNormBackwardFinish;
    public final CudaFunction batchNormForward;
    public final CudaFunction batchNormBackward;
    public final CudaFunction attentionForward;
    public final CudaFunction attentionBackwardDq;
    public final CudaFunction attentionBackwardDkv;

    private final List<CudaModule> modules;
    private final List<String> images;

    private Kernels(Map<String, CudaModule> m, List<CudaModule> modules, List<String> images) {
        this.modules = modules;
        this.images = images;
        CudaModule elementwise = m.get("elementwise");
        unary = elementwise.function("unary_forward_f32");
        unaryBackward = elementwise.function("unary_backward_f32");
        binaryContiguous = elementwise.function("binary_contiguous_f32");
        binaryScalar = elementwise.function("binary_scalar_f32");
        binaryStrided = elementwise.function("binary_strided_f32");
        castF32ToI32 = elementwise.function("cast_f32_to_i32");
        castI32ToF32 = elementwise.function("cast_i32_to_f32");
        CudaModule softmax = m.get("softmax");
        softmaxForwardBlock = softmax.function("softmax_forward_block_f32");
        softmaxForwardWarp = softmax.function("softmax_forward_warp_f32");
        softmaxBackwardBlock = softmax.function("softmax_backward_block_f32");
        softmaxBackwardWarp = softmax.function("softmax_backward_warp_f32");
        xentForwardBlock = softmax.function("softmax_xent_forward_block_f32");
        xentForwardWarp = softmax.function("softmax_xent_forward_warp_f32");
        xentBackward = softmax.function("softmax_xent_backward_f32");
        CudaModule reduce = m.get("reduce");
        reduceRows = reduce.function("reduce_rows_f32");
        reduceCols = reduce.function("reduce_cols_f32");
        argmaxRows = reduce.function("argmax_rows_f32");
        argmaxCols = reduce.function("argmax_cols_f32");
        CudaModule conv = m.get("conv");
        im2col = conv.function("im2col_f32");
        col2im = conv.function("col2im_f32");
        biasAdd = conv.function("bias_add_f32");
        CudaModule pooling = m.get("pooling");
        maxPoolForward = pooling.function("max_pool_forward_f32");
        maxPoolBackward = pooling.function("max_pool_backward_f32");
        avgPoolForward = pooling.function("avg_pool_forward_f32");
        avgPoolBackward = pooling.function("avg_pool_backward_f32");
        CudaModule optim = m.get("optim");
        sgdUpdate = optim.function("sgd_update_f32");
        adamUpdate = optim.function("adam_update_f32");
        CudaModule indexing = m.get("indexing");
        oneHot = indexing.function("one_hot_f32");
        gatherRows = indexing.function("gather_rows_x32");
        scatterAddRows = indexing.function("scatter_add_rows_f32");
        copyBlocks = indexing.function("copy_blocks_x32");
        permute = indexing.function("permute_x32");
        CudaModule normalization = m.get("normalization");
        layerNormForward = normalization.function("layer_norm_forward_f32");
        layerNormBackwardDx = normalization.function("layer_norm_backward_dx_f32");
        layerNormBackwardPartial = normalization.function("layer_norm_backward_partial_f32");
        layerNormBackwardFinish = normalization.function("layer_norm_backward_finish_f32");
        batchNormForward = normalization.function("batch_norm_forward_f32");
        batchNormBackward = normalization.function("batch_norm_backward_f32");
        CudaModule attention = m.get("attention");
        attentionForward = attention.function("attention_forward_f32");
        attentionBackwardDq = attention.function("attention_backward_dq_f32");
        attentionBackwardDkv = attention.function("attention_backward_dkv_f32");
    }

    /** Loads every family of the manifest into {@code context} for {@code device}. */
    public static Kernels load(CudaContext context, DeviceInfo device) {
        KernelManifest manifest = KernelManifest.load();
        Map<String, CudaModule> byFamily = new HashMap<>();
        List<CudaModule> modules = new ArrayList<>();
        List<String> images = new ArrayList<>();
        try {
            for (String family : manifest.families()) {
                String image = KernelImages.choose(family, device.major(), device.minor(), KernelImages.CUBIN_ARCHS);
                CudaModule module = CudaModule.load(context, image, read(image));
                modules.add(module);
                images.add(image);
                byFamily.put(family, module);
            }
            return new Kernels(byFamily, modules, images);
        } catch (RuntimeException e) {
            for (CudaModule module : modules) {
                module.close();
            }
            throw e;
        }
    }

    /** The images loaded, for the backend's description and logs. */
    public List<String> images() {
        return images;
    }

    private static byte[] read(String image) {
        String resource = KernelManifest.RESOURCE_DIR + image;
        try (InputStream in = Kernels.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("cuda: kernel image " + resource + " is missing from the class path");
            }
            byte[] bytes = in.readAllBytes();
            // cuModuleLoadData reads PTX as a C string: it must end with NUL.
            return image.endsWith(".ptx") ? Arrays.copyOf(bytes, bytes.length + 1) : bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cuda: reading " + resource, e);
        }
    }

    @Override
    public void close() {
        for (CudaModule module : modules) {
            module.close();
        }
    }
}

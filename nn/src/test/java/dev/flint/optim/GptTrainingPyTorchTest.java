package dev.flint.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The training pieces of a GPT against numbers PyTorch produced (scripts/pytorch/gpt_training_reference.py):
 * nanoGPT's schedule, AdamW over nanoGPT's parameter groups with clipping by global norm.
 */
class GptTrainingPyTorchTest {
    private static final GptTrainingReference REF = GptTrainingReference.load();

    @Test
    void warmupCosineIsNanoGptsGetLr() {
        String[] its = REF.line("its ").substring(4).trim().split(" ");
        float[] lrs = GptTrainingReference.floats(REF.line("lrs "));
        Tensor p = Tensor.onDefault().zeros(Shape.of(1)).requiresGrad(true);
        try (SGD opt = new SGD(List.of(p), 1e-3f)) {
            WarmupCosineLR schedule = new WarmupCosineLR(opt, 100, 2000, 1e-4f);
            assertEquals(lrs[0], opt.lr(), 1e-12f, "made, the schedule sets lr(0)");
            for (int i = 0; i < its.length; i++) {
                int it = Integer.parseInt(its[i]);
                assertEquals(lrs[i], schedule.lrAt(it), lrs[i] * 1e-6f, "iteration " + it);
            }
            schedule.step();
            assertEquals(lrs[1], opt.lr(), 1e-12f, "one step later: lr(1)");
        } finally {
            p.close();
        }
    }

    @Test
    void adamWOverNanoGptsGroupsWithClippingFollowsPyTorch() {
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String line = REF.line("p" + i + " ");
            String[] dims = line.substring(line.indexOf(' ') + 1, line.indexOf(':')).trim().split(" ");
            int[] shape = new int[dims.length];
            for (int d = 0; d < dims.length; d++) {
                shape[d] = Integer.parseInt(dims[d]);
            }
            params.add(Tensor.onDefault().fromFloats(GptTrainingReference.floats(line), Shape.of(shape))
                    .requiresGrad(true));
        }
        List<ParamGroup> groups = ParamGroup.decayMatricesOnly(params, 0.1f);
        assertEquals(2, groups.size());
        assertEquals(List.of(params.get(0), params.get(1)), groups.get(0).params());
        assertEquals(List.of(params.get(2), params.get(3)), groups.get(1).params());
        assertEquals(0f, groups.get(1).weightDecayOr(0.5f));
        try (AdamW opt = new AdamW(groups, 0.01f, 0.9f, 0.99f, 1e-8f, 0.1f)) {
            WarmupCosineLR schedule = new WarmupCosineLR(opt, 2, 6, 0.001f);
            List<String> lines = REF.lines();
            int at = lines.indexOf(REF.line("step 0 "));
            for (int step = 0; step < 8; step++) {
                String[] head = lines.get(at).split(" ");
                assertEquals(Float.parseFloat(head[3]), opt.lr(), 1e-9f, "lr of step " + step);
                for (int i = 0; i < 4; i++) {
                    float[] g = GptTrainingReference.floats(lines.get(at + 1 + i));
                    params.get(i).setGrad(Tensor.onDefault().fromFloats(g, params.get(i).shape()));
                }
                float norm;
                try (Tensor n = GradClip.clipGradNorm(opt.parameters(), 1f)) {
                    norm = n.item();
                }
                assertEquals(Float.parseFloat(head[5]), norm, 1e-5f * norm, "norm before clipping, step " + step);
                opt.step();
                schedule.step();
                for (int i = 0; i < 4; i++) {
                    float[] expected = GptTrainingReference.floats(lines.get(at + 5 + i));
                    assertArrayEquals(expected, params.get(i).toFloatArray(), 2e-6f,
                            "parameter " + i + " after step " + step);
                }
                at += 9;
            }
        } finally {
            params.forEach(Tensor::close);
        }
    }

    @Test
    void groupsTakeTheirOwnDecayAndLearningRate() {
        Tensor a = Tensor.onDefault().fromFloats(new float[] {1f, -2f}, Shape.of(2)).requiresGrad(true);
        Tensor b = Tensor.onDefault().fromFloats(new float[] {1f, -2f}, Shape.of(2)).requiresGrad(true);
        Tensor c = Tensor.onDefault().fromFloats(new float[] {1f, -2f}, Shape.of(2)).requiresGrad(true);
        // a: the optimizer's decay 0.1 at lr 0.1; b: no decay; c: the optimizer's decay at half the rate.
        try (AdamW opt = new AdamW(List.of(ParamGroup.of(List.of(a)), ParamGroup.of(List.of(b)).weightDecay(0f),
                ParamGroup.of(List.of(c)).lrScale(0.5f)), 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f)) {
            assertEquals(List.of(a, b, c), opt.parameters());
            for (Tensor t : List.of(a, b, c)) {
                t.setGrad(Tensor.onDefault().fromFloats(new float[] {0.5f, -1f}, Shape.of(2)));
            }
            opt.step();
            // First Adam step moves each element by lr * sign(g); decay multiplies by 1 - lr * wd first.
            assertArrayEquals(new float[] {0.99f - 0.1f, -1.98f + 0.1f}, a.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1f - 0.1f, -2f + 0.1f}, b.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.995f - 0.05f, -1.99f + 0.05f}, c.toFloatArray(), 1e-6f);
            assertSame(opt.paramGroups().get(2).params().get(0), c);
        } finally {
            a.close();
            b.close();
            c.close();
        }
    }

    @Test
    void aTensorInTwoGroupsIsRefused() {
        Tensor a = Tensor.onDefault().zeros(Shape.of(2)).requiresGrad(true);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamW(
                    List.of(ParamGroup.of(List.of(a)), ParamGroup.of(List.of(a)).weightDecay(0f)), 0.1f, 0.9f, 0.999f,
                    1e-8f, 0.1f));
            assertEquals(true, e.getMessage().contains("same tensor"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ParamGroup.of(List.of(a)).weightDecay(-1f));
            assertThrows(IllegalArgumentException.class, () -> ParamGroup.of(List.of(a)).lrScale(Float.NaN));
        } finally {
            a.close();
        }
    }

    @Test
    void scheduleArgumentsAreChecked() {
        Tensor p = Tensor.onDefault().zeros(Shape.of(1)).requiresGrad(true);
        try (SGD opt = new SGD(List.of(p), 1e-3f)) {
            assertThrows(IllegalArgumentException.class, () -> new WarmupCosineLR(opt, 10, 10, 0f));
            assertThrows(IllegalArgumentException.class, () -> new WarmupCosineLR(opt, 0, 10, 1f));
            WarmupCosineLR noWarmup = new WarmupCosineLR(opt, 0, 10, 0f);
            assertEquals(1e-3f, opt.lr(), 0f);
            assertEquals(0f, noWarmup.lrAt(10), 1e-12f);
        } finally {
            p.close();
        }
    }
}

package dev.flint.nn.gpt;

import dev.flint.autograd.GradMode;
import dev.flint.backend.Backend;
import dev.flint.nn.Dropout;
import dev.flint.nn.Embedding;
import dev.flint.nn.GELU;
import dev.flint.nn.Init;
import dev.flint.nn.LayerNorm;
import dev.flint.nn.Linear;
import dev.flint.nn.Module;
import dev.flint.nn.MultiHeadAttention;
import dev.flint.nn.Sequential;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only Transformer in GPT-2's layout, as nanoGPT's {@code model.py}: token and position
 * embeddings, {@code layers} blocks of (LayerNorm, causal multi-head self-attention, residual; LayerNorm,
 * MLP 4x wide with GELU, residual), a final LayerNorm, and an output layer that reuses the token
 * embedding's weight (weight tying). Parameter names follow nanoGPT's without the {@code transformer.}
 * prefix: {@code wte.weight}, {@code wpe.weight}, {@code h.0.ln_1.weight}, {@code h.0.attn.qkv.weight},
 * {@code h.0.mlp.fc.weight}, ..., {@code ln_f.weight}.
 *
 * <pre>{@code
 * Gpt gpt = new Gpt(new GptConfig(65, 64, 4, 4, 128, 0f), new Rng(1337), backend);
 * Tensor loss = gpt.loss(batch.inputs(), batch.targets());   // inputs, targets INT32 (B, T)
 * int[] text = gpt.generate(prompt, 200, new Sampler(0.8f, 40, new Rng(1)));
 * }</pre>
 *
 * <p>Initialised as nanoGPT: every linear and embedding weight N(0, 0.02), the two output projections
 * of each block N(0, 0.02 / sqrt(2 * layers)), biases zero, LayerNorms the identity.
 */
public final class Gpt extends Module {
    private final GptConfig config;
    private final Embedding wte;
    private final Embedding wpe;
    private final Dropout drop;
    private final Sequential blocks;
    private final LayerNorm lnF;

    /** A freshly initialised model on {@code backend}, its weights drawn from {@code rng}. */
    public Gpt(GptConfig config, Rng rng, Backend backend) {
        this.config = config;
        int c = config.embedDim();
        wte = registerModule("wte", new Embedding(config.vocabSize(), c, rng));
        wpe = registerModule("wpe", new Embedding(config.contextLength(), c, rng));
        drop = config.dropout() > 0 ? registerModule("drop", new Dropout(config.dropout(), rng.fork())) : null;
        blocks = new Sequential();
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(new Block(config, rng, backend));
        }
        registerModule("h", blocks);
        lnF = registerModule("ln_f", new LayerNorm(c));
        to(backend);
        initialise(rng);
    }

    private void initialise(Rng rng) {
        double projStd = 0.02 / Math.sqrt(2.0 * config.layers());
        for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
            Tensor p = e.getValue();
            String name = e.getKey();
            Tensor init;
            if (p.rank() >= 2) {
                init = Init.normal(p.shape(), name.endsWith("proj.weight") ? projStd : 0.02, rng, p.backend());
            } else if (name.endsWith(".bias")) {
                init = Tensor.on(p.backend()).zeros(p.shape());
            } else {
                continue;   // LayerNorm weights: ones, as constructed
            }
            try (init) {
                p.copyFrom(init);
            }
        }
    }

    /** The configuration. */
    public GptConfig config() {
        return config;
    }

    /**
     * Logits of the next token at every position: {@code idx} INT32 (B, T) with T at most the context
     * length, to (B, T, vocab).
     */
    @Override
    public Tensor forward(Tensor idx) {
        if (idx.rank() != 2) {
            throw new IllegalArgumentException("Gpt: expected token ids (B, T), got shape " + idx.shape());
        }
        int t = idx.dim(1);
        if (t > config.contextLength()) {
            throw new IllegalArgumentException("Gpt: " + t + " tokens exceed the context length "
                    + config.contextLength());
        }
        Tensor x = wte.forward(idx).add(wpe.weight().slice(0, t));   // (B, T, C) + (T, C)
        if (drop != null) {
            x = drop.forward(x);
        }
        x = lnF.forward(blocks.forward(x));
        return x.linear(wte.weight(), null);                          // tied: (B, T, C) x (V, C)^T
    }

    /** Mean cross-entropy of the next-token predictions for {@code idx} against {@code targets}, both (B, T). */
    public Tensor loss(Tensor idx, Tensor targets) {
        Tensor logits = forward(idx);
        int v = config.vocabSize();
        return logits.reshape(-1, v).crossEntropy(targets.reshape(targets.size()));
    }

    /**
     * {@code count} tokens generated after {@code prompt}, one at a time: the last {@code contextLength}
     * tokens in, the last position's logits to {@code sampler}. Runs in evaluation mode without a graph and
     * restores the mode it found.
     */
    public int[] generate(int[] prompt, int count, Sampler sampler) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("Gpt.generate: the prompt is empty; give at least one token");
        }
        boolean wasTraining = isTraining();
        eval();
        List<Integer> out = new ArrayList<>();
        int[] seq = prompt.clone();
        Backend backend = wte.weight().backend();
        try (GradMode.Guard noGrad = GradMode.noGrad()) {
            for (int n = 0; n < count; n++) {
                int from = Math.max(0, seq.length - config.contextLength());
                int t = seq.length - from;
                int[] window = java.util.Arrays.copyOfRange(seq, from, seq.length);
                float[] row = new float[config.vocabSize()];
                try (Scope scope = Scope.open()) {
                    Tensor logits = forward(Tensor.on(backend).fromInts(window, Shape.of(1, t)));
                    float[] all = logits.toFloatArray();
                    System.arraycopy(all, (t - 1) * row.length, row, 0, row.length);
                }
                int next = sampler.next(row);
                out.add(next);
                seq = java.util.Arrays.copyOf(seq, seq.length + 1);
                seq[seq.length - 1] = next;
            }
        } finally {
            train(wasTraining);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    protected String describe() {
        return "Gpt(vocab=" + config.vocabSize() + ", context=" + config.contextLength() + ", layers="
                + config.layers() + ", heads=" + config.heads() + ", embed=" + config.embedDim() + ")";
    }

    /** One Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). (B, T, C) -> (B, T, C). */
    static final class Block extends Module {
        private final LayerNorm ln1;
        private final MultiHeadAttention attn;
        private final LayerNorm ln2;
        private final Mlp mlp;
        private final Dropout drop;

        Block(GptConfig config, Rng rng, Backend backend) {
            int c = config.embedDim();
            ln1 = registerModule("ln_1", new LayerNorm(c));
            attn = registerModule("attn", new MultiHeadAttention(c, config.heads(), true, rng));
            ln2 = registerModule("ln_2", new LayerNorm(c));
            mlp = registerModule("mlp", new Mlp(c, rng, backend));
            drop = config.dropout() > 0 ? registerModule("drop", new Dropout(config.dropout(), rng.fork())) : null;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor a = attn.forward(ln1.forward(x));
            x = x.add(drop == null ? a : drop.forward(a));
            Tensor m = mlp.forward(ln2.forward(x));
            return x.add(drop == null ? m : drop.forward(m));
        }
    }

    /** Position-wise MLP: C -> 4C, exact GELU, 4C -> C, on (B, T, C). */
    static final class Mlp extends Module {
        private final Linear fc;
        private final GELU gelu = new GELU();
        private final Linear proj;

        Mlp(int c, Rng rng, Backend backend) {
            fc = registerModule("fc", new Linear(c, 4 * c, true, rng, backend));
            proj = registerModule("proj", new Linear(4 * c, c, true, rng, backend));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = gelu.forward(x.linear(fc.weight(), fc.bias()));
            return h.linear(proj.weight(), proj.bias());
        }
    }
}

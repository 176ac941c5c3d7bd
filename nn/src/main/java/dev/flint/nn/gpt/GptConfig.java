package dev.flint.nn.gpt;

/**
 * The shape of a {@link Gpt}: vocabulary, context length, depth and width, and dropout.
 *
 * <pre>{@code
 * GptConfig nanoGptCpu = new GptConfig(65, 64, 4, 4, 128, 0f);   // nanoGPT's shakespeare_char on a CPU
 * }</pre>
 *
 * @param vocabSize number of tokens (65 for nanoGPT's Shakespeare characters)
 * @param contextLength the most tokens the model attends over (nanoGPT's {@code block_size})
 * @param layers number of Transformer blocks
 * @param heads attention heads per block; must divide {@code embedDim}
 * @param embedDim width of the residual stream (nanoGPT's {@code n_embd})
 * @param dropout probability of dropping an activation in training (embeddings, residual branches), 0 for none
 */
public record GptConfig(int vocabSize, int contextLength, int layers, int heads, int embedDim, float dropout) {

    public GptConfig {
        if (vocabSize < 1 || contextLength < 1 || layers < 1 || heads < 1 || embedDim < 1) {
            throw new IllegalArgumentException("GptConfig: every size must be >= 1, got vocabSize=" + vocabSize
                    + " contextLength=" + contextLength + " layers=" + layers + " heads=" + heads + " embedDim="
                    + embedDim);
        }
        if (embedDim % heads != 0) {
            throw new IllegalArgumentException("GptConfig: embedDim " + embedDim + " is not a multiple of heads "
                    + heads);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("GptConfig: dropout must be in [0, 1), got " + dropout);
        }
    }

    /** Parameters of the model this config describes (the tied output layer counted once). */
    public long parameterCount() {
        long c = embedDim;
        long perBlock = 2 * (2 * c)          // two LayerNorms
                + (3 * c * c + 3 * c)        // qkv
                + (c * c + c)                // attention output
                + (4 * c * c + 4 * c)        // MLP up
                + (4 * c * c + c);           // MLP down
        return (long) vocabSize * c + (long) contextLength * c + layers * perBlock + 2 * c;
    }
}

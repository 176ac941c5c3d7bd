/**
 * A decoder-only Transformer in GPT-2's layout ({@link dev.flint.nn.gpt.Gpt}, shaped by
 * {@link dev.flint.nn.gpt.GptConfig}), built from the {@code nn} layers ({@code Embedding},
 * {@code LayerNorm}, {@code MultiHeadAttention}, {@code Linear}, {@code GELU}) as nanoGPT's
 * {@code model.py} builds it, and {@link dev.flint.nn.gpt.Sampler}, which draws the next token with a
 * temperature and a top-k cut as nanoGPT's {@code generate}.
 *
 * <pre>{@code
 * Gpt gpt = new Gpt(new GptConfig(65, 64, 4, 4, 128, 0f), new Rng(1337), backend);
 * Tensor loss = gpt.loss(inputs, targets);                  // INT32 (B, T) each
 * int[] more = gpt.generate(prompt, 100, new Sampler(0.8f, 200, new Rng(1)));
 * }</pre>
 *
 * <p>Training it: {@code dev.flint.optim.ParamGroup#decayMatricesOnly} and
 * {@code dev.flint.optim.WarmupCosineLR} for nanoGPT's optimizer setup, and
 * {@code dev.flint.train.LanguageModelTrainer} (module train) for its loop; {@code flint gpt train}
 * puts them together.
 */
package dev.flint.nn.gpt;

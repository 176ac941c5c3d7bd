/**
 * Text for language models: {@link dev.flint.data.text.TextCorpus} (the public-domain King James Bible
 * inside the jar, or a UTF-8 file), {@link dev.flint.data.text.CharTokenizer} (one token per character,
 * the vocabulary sorted as nanoGPT's {@code sorted(set(text))}) and
 * {@link dev.flint.data.text.TokenWindows} (context windows and their next-token targets, drawn at random
 * offsets as nanoGPT's {@code get_batch}, or at fixed offsets for a repeatable validation loss).
 *
 * <pre>{@code
 * String text = TextCorpus.kingJamesBible();
 * CharTokenizer tok = CharTokenizer.fit(text);
 * TokenWindows.Split split = TokenWindows.split(tok.encode(text), 64, 0.9);   // first 90% trains
 * try (TokenBatch b = split.train().randomBatch(12, new Rng(1337), backend)) {
 *     // b.inputs(), b.targets(): INT32 (12, 64)
 * }
 * }</pre>
 */
package dev.flint.data.text;

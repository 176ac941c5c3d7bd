/**
 * Files in and out of Flint: {@link dev.flint.io.SafeTensors} saves and loads named tensors in the
 * safetensors format that PyTorch reads, {@link dev.flint.io.HostTensor} holds a tensor's values on
 * the host without a backend, and {@link dev.flint.io.CorruptFileException} is what every reader
 * throws on a malformed file, naming the file and what disagrees.
 *
 * <pre>{@code
 * SafeTensors.write(Path.of("model.safetensors"), model.stateDict());
 * Map<String, Tensor> loaded = SafeTensors.read(Path.of("model.safetensors"), Backends.get("cpu"));
 * }</pre>
 */
package dev.flint.io;

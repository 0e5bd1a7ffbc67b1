/**
 * The Llama decoder of Osprey (spec §4): its sizes ({@link dev.osprey.model.decode.DecoderConfig}),
 * the ONNX graph in fp32, fp16, int8 or int4 ({@link dev.osprey.model.decode.DecoderGraphBuilder},
 * {@link dev.osprey.model.decode.WeightQuantizer}) with a float32 or int8 KV cache
 * ({@link dev.osprey.model.decode.Int8KvGraph}, {@link dev.osprey.model.decode.KvScales}), the
 * runtime with an in-place KV cache ({@link dev.osprey.model.decode.DecoderSession},
 * {@link dev.osprey.model.decode.KvCache}, {@link dev.osprey.model.decode.PrefixCache}) whose runs a
 * {@link dev.osprey.model.decode.Cancellation} can end, and the input assembly
 * ({@link dev.osprey.model.decode.EmbeddingTable}, {@link dev.osprey.model.decode.InterleavedSequence}).
 * Generation over it is in {@link dev.osprey.model.generate}.
 */
package dev.osprey.model.decode;

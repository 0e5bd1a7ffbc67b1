/**
 * The language model on Triton's TensorRT-LLM backend: the {@code tensorrt_llm} model's contract
 * ({@link dev.osprey.model.trtllm.TrtllmContract}: names, data types and dims of what Osprey sends and
 * reads), the per-request prompt table that carries the image and region tokens
 * ({@link dev.osprey.model.trtllm.PromptTable}), and the model repository that serves an engine
 * ({@link dev.osprey.model.trtllm.TrtllmRepository}). The transport (KServe v2 gRPC) lives in llm-service.
 */
package dev.osprey.model.trtllm;

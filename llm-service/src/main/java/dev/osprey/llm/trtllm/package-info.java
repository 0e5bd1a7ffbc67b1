/**
 * The {@code triton-trtllm} backend: the language model decodes on a TensorRT-LLM engine that Triton
 * serves as {@code tensorrt_llm}, one decoupled KServe v2 stream per answer; everything Osprey-specific
 * (template, tokenizer, image and region tokens, stop conditions, text) stays in llm-service.
 */
package dev.osprey.llm.trtllm;

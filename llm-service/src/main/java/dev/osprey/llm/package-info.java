/**
 * llm-service: answers behind {@code osprey.internal.v1.Llm}. The gRPC shell
 * ({@link dev.osprey.llm.LlmGrpcService}) admits generations through a bounded queue
 * ({@link dev.osprey.llm.GenerationQueue}), runs them on the model's {@code RegionChat} (prompt,
 * prefix cache, prefill, decode loop) with one {@code Cancellation} fed by the call, and streams the
 * tokens back ({@link dev.osprey.llm.AnswerStream}).
 */
package dev.osprey.llm;

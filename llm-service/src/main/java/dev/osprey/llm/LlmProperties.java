package dev.osprey.llm;

import dev.osprey.model.decode.KvPrecision;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the llm-service generates ({@code osprey.llm.*}).
 *
 * @param workers             Generate calls in progress at once, each holding a worker thread from its
 *                            prefill (in a KV cache of its own) to its last token; keep it at least
 *                            {@code maxBatch} so that the batch can fill with one-sequence calls (default 8)
 * @param queueCapacity       admitted calls that may wait for a worker; beyond them a call gets
 *                            RESOURCE_EXHAUSTED at once (default 16)
 * @param maxBatch            sequences that decode together, one decoder run per step for all of them,
 *                            whatever question and image they belong to (continuous batching; a task's
 *                            regions count one each and join together); a call whose sequences do not
 *                            fit waits, prefilled, for room. KV memory: maxBatch rows of the context
 *                            length, allocated at the first question. 1 decodes each call on its own
 *                            worker, as a batch of its own prompts; so does a task with more regions than
 *                            maxBatch (default 8)
 * @param prefillConcurrency  prompt prefills that run at once; the calls beyond wait for a turn in
 *                            arrival order. A prefill is compute-bound: more at once only share the
 *                            cores, and every first token comes later (default 2)
 * @param idleKvSize          memory of finished answers' KV caches kept for the next answers' caches, so that
 *                            questions in turn do not map and fault in a cache afresh; native memory beside the
 *                            decode batch's maxBatch rows. 2.5 GiB holds two 7B caches of Osprey's context in
 *                            float32; with an int8 cache less keeps as many; 0 keeps none (default 2560MB)
 * @param defaultMaxNewTokens the token limit of a request that sets none (default 256, as the public API documents)
 * @param prefixCacheSize     bound on the cached image prefixes' keys and values; one prefix of 1,059
 *                            positions at Osprey-7B's size is ~271 MiB in int8, ~530 MiB in fp16, ~1 GiB in
 *                            fp32, and the heap must hold this much more (default 2GB)
 * @param prefixKvPrecision   how cached prefixes are stored: fp32, fp16 or int8; unset, as exact as the
 *                            bundle's weights (fp32 and fp16 bundles keep their precision, int8 and int4 bundles int8)
 * @param drainTimeout        how long shutdown waits for generations still running after the gRPC
 *                            server's grace period (default 60s)
 * @param warmUp              the background warm-ups of uploaded images
 * @param backend             where the language model decodes: {@code embedded} (ONNX Runtime in this
 *                            process, the default) or {@code triton-trtllm} (a TensorRT-LLM engine behind
 *                            Triton; then workers bound the answers in flight to Triton, and maxBatch,
 *                            prefillConcurrency, the prefix cache and warm-ups do not apply: Triton batches
 *                            in flight and reuses image prefixes itself)
 * @param triton              the Triton server, for {@code backend=triton-trtllm}
 */
@ConfigurationProperties("osprey.llm")
record LlmProperties(
        @DefaultValue("8") int workers,
        @DefaultValue("16") int queueCapacity,
        @DefaultValue("8") int maxBatch,
        @DefaultValue("2") int prefillConcurrency,
        @DefaultValue("2560MB") DataSize idleKvSize,
        @DefaultValue("256") int defaultMaxNewTokens,
        @DefaultValue("2GB") DataSize prefixCacheSize,
        KvPrecision prefixKvPrecision,
        @DefaultValue("60s") Duration drainTimeout,
        @DefaultValue WarmUp warmUp,
        @DefaultValue("embedded") Backend backend,
        @DefaultValue Triton triton) {

    /** Where the language model decodes. */
    enum Backend {
        EMBEDDED, TRITON_TRTLLM
    }

    /**
     * The Triton server of {@code backend=triton-trtllm} ({@code osprey.llm.triton.*}).
     *
     * @param address  host:port of its gRPC endpoint (default localhost:8001)
     * @param model    the TensorRT-LLM model's name in its repository (default tensorrt_llm)
     * @param deadline bound on the model-metadata call; a Generate call's own deadline bounds its answer (default 10s)
     */
    record Triton(@DefaultValue("localhost:8001") String address, @DefaultValue("tensorrt_llm") String model,
            @DefaultValue("10s") Duration deadline) {
    }

    /**
     * Warm-ups of uploaded images' prefixes ({@code osprey.llm.warm-up.*}), run in the background below questions.
     *
     * @param queueSize warm-ups that may wait; when full the oldest is dropped; 0 turns warm-ups off (default 16)
     */
    record WarmUp(@DefaultValue("16") int queueSize) {

        WarmUp {
            if (queueSize < 0) {
                throw new IllegalArgumentException("osprey.llm.warm-up.queue-size must be >= 0, got " + queueSize);
            }
        }
    }

    LlmProperties {
        if (workers < 1 || queueCapacity < 0 || defaultMaxNewTokens < 1 || maxBatch < 1 || prefillConcurrency < 1) {
            throw new IllegalArgumentException("osprey.llm.workers, max-batch, prefill-concurrency and default-max-new-tokens must be >= 1"
                    + " and queue-capacity >= 0, got " + workers + ", " + maxBatch + ", " + prefillConcurrency + ", " + defaultMaxNewTokens
                    + " and " + queueCapacity);
        }
    }
}

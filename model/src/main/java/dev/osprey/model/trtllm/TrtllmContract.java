package dev.osprey.model.trtllm;

import java.util.List;
import java.util.Optional;

/**
 * The part of the TensorRT-LLM backend's {@code tensorrt_llm} model (the in-flight batcher's model
 * configuration) that Osprey uses, in one place: the repository writer declares it, llm-service sends
 * and reads it, the test server checks it. Written from the backend's documented configuration
 * (triton-inference-server/tensorrtllm_backend, all_models/inflight_batcher_llm/tensorrt_llm/config.pbtxt
 * and docs/model_config.md, docs/multimodal.md); a test compares these constants with those facts.
 *
 * <p>A request carries one sequence. Prompt positions whose id is at or beyond the vocabulary size
 * take their embedding from the request's {@link #PROMPT_EMBEDDING_TABLE} (row {@code id - vocab});
 * with KV-cache reuse on, {@link #PROMPT_TABLE_EXTRA_IDS} (one per input id, at least 1 at table
 * positions, 0 elsewhere) tell rows of different tables apart, since equal ids then no longer mean
 * equal embeddings.
 */
public final class TrtllmContract {

    /** The model's name in the repository and in requests. */
    public static final String MODEL_NAME = "tensorrt_llm";
    /** The Triton backend that serves it. */
    public static final String BACKEND = "tensorrtllm";

    /** [-1] the prompt's ids. */
    public static final TrtllmTensor INPUT_IDS = TrtllmTensor.optional("input_ids", "INT32", -1);
    /** [1] how many of them. */
    public static final TrtllmTensor INPUT_LENGTHS = TrtllmTensor.required("input_lengths", "INT32", 1);
    /** [1] the most ids to generate. */
    public static final TrtllmTensor REQUEST_OUTPUT_LEN = TrtllmTensor.required("request_output_len", "INT32", 1);
    /** [1] the id that ends generation. */
    public static final TrtllmTensor END_ID = TrtllmTensor.optional("end_id", "INT32", 1);
    /** [1] the id that pads ended sequences. */
    public static final TrtllmTensor PAD_ID = TrtllmTensor.optional("pad_id", "INT32", 1);
    /** [1] beams; Osprey samples one. */
    public static final TrtllmTensor BEAM_WIDTH = TrtllmTensor.optional("beam_width", "INT32", 1);
    /** [1] sampling temperature. */
    public static final TrtllmTensor TEMPERATURE = TrtllmTensor.optional("temperature", "FP32", 1);
    /** [1] top-k; 1 is greedy. */
    public static final TrtllmTensor RUNTIME_TOP_K = TrtllmTensor.optional("runtime_top_k", "INT32", 1);
    /** [1] top-p. */
    public static final TrtllmTensor RUNTIME_TOP_P = TrtllmTensor.optional("runtime_top_p", "FP32", 1);
    /** [1] the sampler's seed (named {@code random_seed} before the backend's 0.15 configuration). */
    public static final TrtllmTensor SEED = TrtllmTensor.optional("seed", "UINT64", 1);
    /** [1] one response per generated id (needs a decoupled model). */
    public static final TrtllmTensor STREAMING = TrtllmTensor.optional("streaming", "BOOL", 1);
    /** [-1, hidden] the request's prompt table; its data type is the engine's (FP16 as documented, BF16 or FP32). */
    public static final TrtllmTensor PROMPT_EMBEDDING_TABLE = TrtllmTensor.optional("prompt_embedding_table", "FP16", -1, -1);
    /** [-1] per input id: which table a table row belongs to, for KV-cache reuse (0 at text positions). */
    public static final TrtllmTensor PROMPT_TABLE_EXTRA_IDS = TrtllmTensor.optional("prompt_table_extra_ids", "UINT64", -1);
    /** [1] rows of the prompt table. */
    public static final TrtllmTensor PROMPT_VOCAB_SIZE = TrtllmTensor.optional("prompt_vocab_size", "INT32", 1);

    /** [-1, -1] per beam, the ids generated (streaming: the new ones of this response). */
    public static final TrtllmTensor OUTPUT_IDS = TrtllmTensor.required("output_ids", "INT32", -1, -1);
    /** [-1] per beam, the length of output_ids. */
    public static final TrtllmTensor SEQUENCE_LENGTH = TrtllmTensor.required("sequence_length", "INT32", -1);

    /** What Osprey sends, in request order. */
    public static final List<TrtllmTensor> INPUTS = List.of(INPUT_IDS, INPUT_LENGTHS, REQUEST_OUTPUT_LEN, END_ID, PAD_ID, BEAM_WIDTH,
            TEMPERATURE, RUNTIME_TOP_K, RUNTIME_TOP_P, SEED, STREAMING, PROMPT_EMBEDDING_TABLE, PROMPT_TABLE_EXTRA_IDS, PROMPT_VOCAB_SIZE);
    /** What Osprey reads. */
    public static final List<TrtllmTensor> OUTPUTS = List.of(OUTPUT_IDS, SEQUENCE_LENGTH);

    /** Model parameter: the engine folder. */
    public static final String GPT_MODEL_PATH = "gpt_model_path";
    /** Model parameter: the batching strategy. */
    public static final String GPT_MODEL_TYPE = "gpt_model_type";
    /** {@link #GPT_MODEL_TYPE} for in-flight batching. */
    public static final String INFLIGHT_FUSED_BATCHING = "inflight_fused_batching";
    /** Model parameter: reuse cached KV blocks of equal prompt prefixes. */
    public static final String ENABLE_KV_CACHE_REUSE = "enable_kv_cache_reuse";
    /** Model parameter: beams the engine was built for. */
    public static final String MAX_BEAM_WIDTH = "max_beam_width";
    /** Model parameter: share of free GPU memory given to the paged KV cache. */
    public static final String KV_CACHE_FREE_GPU_MEM_FRACTION = "kv_cache_free_gpu_mem_fraction";
    /** Model parameter: whether responses leave out the prompt's ids. */
    public static final String EXCLUDE_INPUT_IN_OUTPUT = "exclude_input_in_output";
    /** Model parameter: how the scheduler admits requests. */
    public static final String BATCH_SCHEDULER_POLICY = "batch_scheduler_policy";
    /**
     * Request parameter (Triton's, not the model's) asking a decoupled model for an empty last
     * response flagged {@link #FINAL_RESPONSE}, so a stream ends even when the last id came earlier.
     */
    public static final String ENABLE_EMPTY_FINAL_RESPONSE = "triton_enable_empty_final_response";
    /** Response parameter: this is the request's last response. */
    public static final String FINAL_RESPONSE = "triton_final_response";

    private TrtllmContract() {
    }

    /** The input called {@code name}; empty if Osprey does not send it. */
    public static Optional<TrtllmTensor> input(String name) {
        return INPUTS.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}

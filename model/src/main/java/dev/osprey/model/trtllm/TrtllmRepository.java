package dev.osprey.model.trtllm;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the Triton model repository that serves a TensorRT-LLM engine of the language model as
 * {@link TrtllmContract#MODEL_NAME}, and the script that builds that engine on the target GPU:
 *
 * <pre>
 * &lt;dir&gt;/triton/tensorrt_llm/config.pbtxt   in-flight fused batching, KV-cache reuse, decoupled (streaming)
 * &lt;dir&gt;/triton/tensorrt_llm/1/             the version folder Triton expects (the engine lives at {@link #ENGINE_DIR})
 * &lt;dir&gt;/build-engine.sh                     Hugging Face checkpoint → TensorRT-LLM checkpoint → engine
 * </pre>
 *
 * <p>An engine is specific to a GPU model and TensorRT-LLM version, so it is built where it runs (an
 * init container or Job), never here.
 *
 * @param maxBatchSize    sequences in flight per engine (a task's regions count one each)
 * @param maxInputLength  prompt positions: the image tokens plus the longest text prompt
 * @param maxOutputLength generated ids per sequence
 * @param tableRows       prompt-table rows of one request: the image tokens plus two per region slot
 * @param tableDatatype   the engine's data type as the prompt table's KServe type (FP16 or BF16)
 */
public record TrtllmRepository(int maxBatchSize, int maxInputLength, int maxOutputLength, int tableRows, String tableDatatype) {

    /** Where the model repository expects the built engine (mount the engine volume here). */
    public static final String ENGINE_DIR = "/engines/tensorrt_llm";
    /** Longest text prompt we plan for beside the image tokens (a free prompt with history). */
    public static final int TEXT_POSITIONS = 512;
    /** Region slots per prompt we plan for (the public API's limit on masks). */
    public static final int REGION_SLOTS = 16;

    public TrtllmRepository {
        if (maxBatchSize < 1 || maxInputLength < 1 || maxOutputLength < 1 || tableRows < 1) {
            throw new IllegalArgumentException("batch, input, output lengths and table rows must be >= 1");
        }
        if (!List.of("FP16", "BF16").contains(tableDatatype)) {
            throw new IllegalArgumentException("the engine's data type must be FP16 or BF16, got " + tableDatatype);
        }
    }

    /** Sizes for {@code imageTokens} per image: 1,024 image tokens + 512 text positions in, 512 out, batches of 64. */
    public static TrtllmRepository forImageTokens(int imageTokens) {
        return new TrtllmRepository(64, imageTokens + TEXT_POSITIONS, 512, imageTokens + 2 * REGION_SLOTS, "FP16");
    }

    /**
     * Writes the repository and the build script under {@code dir}.
     *
     * @return the model repository folder ({@code dir/triton})
     * @throws OspreyException IO when a file cannot be written
     */
    public Path write(Path dir) {
        Path repository = dir.resolve("triton");
        Path model = repository.resolve(TrtllmContract.MODEL_NAME);
        try {
            Files.createDirectories(model.resolve("1"));
            Files.writeString(model.resolve("config.pbtxt"), config());
            Path script = dir.resolve("build-engine.sh");
            Files.writeString(script, buildScript());
            script.toFile().setExecutable(true);
            return repository;
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write the TensorRT-LLM repository under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The {@code config.pbtxt} of {@link TrtllmContract#MODEL_NAME}. */
    public String config() {
        StringBuilder out = new StringBuilder()
                .append("name: \"").append(TrtllmContract.MODEL_NAME).append("\"\n")
                .append("backend: \"").append(TrtllmContract.BACKEND).append("\"\n")
                .append("max_batch_size: ").append(maxBatchSize).append("\n\n")
                // Decoupled: one response per generated id (streaming).
                .append("model_transaction_policy {\n  decoupled: true\n}\n\n")
                .append("dynamic_batching {\n  max_queue_delay_microseconds: 0\n}\n\n");
        out.append("input [\n").append(TrtllmContract.INPUTS.stream().map(this::tensor).collect(Collectors.joining(",\n"))).append("\n]\n");
        out.append("output [\n").append(TrtllmContract.OUTPUTS.stream().map(this::tensor).collect(Collectors.joining(",\n"))).append("\n]\n");
        // The backend places the engine on the GPUs itself; Triton's instance runs on the CPU.
        out.append("instance_group [\n  {\n    count: 1\n    kind: KIND_CPU\n  }\n]\n");
        parameters().forEach((key, value) -> out.append("parameters: {\n  key: \"").append(key).append("\"\n  value: {\n    string_value: \"")
                .append(value).append("\"\n  }\n}\n"));
        return out.toString();
    }

    /** The model parameters, in the order config.pbtxt lists them. */
    public static Map<String, String> parameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put(TrtllmContract.GPT_MODEL_TYPE, TrtllmContract.INFLIGHT_FUSED_BATCHING);
        parameters.put(TrtllmContract.GPT_MODEL_PATH, ENGINE_DIR);
        parameters.put(TrtllmContract.ENABLE_KV_CACHE_REUSE, "true");
        parameters.put(TrtllmContract.MAX_BEAM_WIDTH, "1");
        // Admit a request only when its whole KV fits: a running answer is never evicted mid-stream.
        parameters.put(TrtllmContract.BATCH_SCHEDULER_POLICY, "guaranteed_no_evict");
        parameters.put(TrtllmContract.KV_CACHE_FREE_GPU_MEM_FRACTION, "0.9");
        parameters.put(TrtllmContract.EXCLUDE_INPUT_IN_OUTPUT, "true");
        return parameters;
    }

    private String tensor(TrtllmTensor tensor) {
        String datatype = tensor == TrtllmContract.PROMPT_EMBEDDING_TABLE ? "TYPE_" + tableDatatype : tensor.configType();
        StringBuilder out = new StringBuilder("  {\n    name: \"").append(tensor.name()).append("\"\n    data_type: ").append(datatype)
                .append("\n    dims: [ ").append(tensor.dims().stream().map(String::valueOf).collect(Collectors.joining(", "))).append(" ]\n");
        if (tensor.dims().equals(List.of(1))) {
            out.append("    reshape: { shape: [ ] }\n");
        }
        if (tensor.optional()) {
            out.append("    optional: true\n");
        }
        if (tensor.dims().contains(-1) && !TrtllmContract.OUTPUTS.contains(tensor)) {
            out.append("    allow_ragged_batch: true\n");
        }
        return out.append("  }").toString();
    }

    /** The engine build: the backend image's Llama converter, then trtllm-build sized for Osprey's prompts. */
    public String buildScript() {
        return """
                #!/bin/sh
                # Builds the TensorRT-LLM engine of Osprey's language model on this GPU (run in the TensorRT-LLM Triton image,
                # e.g. as an init container). HF: the Hugging Face Llama checkpoint (trtllm/hf); ENGINE: the folder the model
                # repository's gpt_model_path names. LLAMA_CONVERTER: the Llama convert_checkpoint.py of the image's TensorRT-LLM.
                set -eu
                HF=${HF:-/osprey/trtllm/hf}
                ENGINE=${ENGINE:-%s}
                WORK=${WORK:-/tmp/osprey-trtllm-checkpoint}
                LLAMA_CONVERTER=${LLAMA_CONVERTER:-/app/tensorrt_llm/examples/models/core/llama/convert_checkpoint.py}
                python3 "$LLAMA_CONVERTER" --model_dir "$HF" --output_dir "$WORK" --dtype %s
                # max_input_len: the image tokens + the text; max_prompt_embedding_table_size: one table per sequence in flight;
                # paged context FMHA: needed for KV-cache reuse.
                trtllm-build --checkpoint_dir "$WORK" --output_dir "$ENGINE" --gemm_plugin auto \\
                    --max_batch_size %d --max_input_len %d --max_seq_len %d \\
                    --max_prompt_embedding_table_size %d --use_paged_context_fmha enable
                """.formatted(ENGINE_DIR, tableDatatype.equals("BF16") ? "bfloat16" : "float16", maxBatchSize, maxInputLength,
                maxInputLength + maxOutputLength, (long) maxBatchSize * tableRows);
    }
}

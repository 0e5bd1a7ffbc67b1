package dev.osprey.model.bundle;

import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.checkpoint.PendingTensor;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes Osprey's language model as a Hugging Face Llama checkpoint, the input of TensorRT-LLM's Llama
 * converter and {@code trtllm-build}, loadable by transformers' {@code LlamaForCausalLM}:
 *
 * <pre>
 * &lt;out&gt;/config.json                          LlamaForCausalLM with the decoder's sizes ({@link HfLlamaConfig})
 * &lt;out&gt;/model.safetensors                    all weights, when they fit one shard; otherwise
 * &lt;out&gt;/model-0000k-of-0000n.safetensors     shards of at most {@code maxShardBytes}, in state-dict order,
 * &lt;out&gt;/model.safetensors.index.json         with {"metadata": {"total_size"}, "weight_map"} as save_pretrained writes
 * &lt;out&gt;/tokenizer.json, tokenizer_config.json, ...   copied as they are
 * </pre>
 *
 * <p>Osprey's language-model keys already are Llama's (spec §5), so the export keeps them and their
 * bytes unchanged (same dtype) and drops the rest: vision tower, {@code mm_projector},
 * {@code mask_extractor} and the {@code rotary_emb.inv_freq} buffers. Tensors are streamed one at a
 * time from the memory-mapped checkpoint, so 7B exports within a small heap.
 *
 * @param maxShardBytes the largest shard; a tensor bigger than this gets a shard of its own
 */
public record HfLlamaExport(long maxShardBytes) {

    /** save_pretrained's default {@code max_shard_size="5GB"} (decimal gigabytes). */
    public static final HfLlamaExport DEFAULT = new HfLlamaExport(5_000_000_000L);
    /** The single-file weights name; sharded files are {@code model-00001-of-0000n.safetensors}. */
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** The shard index written when the weights take more than one shard. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The decoder layer's weights in the order {@code LlamaDecoderLayer} registers them. */
    private static final List<String> LAYER_MODULES = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm");

    public HfLlamaExport {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("max shard size must be positive, got " + maxShardBytes);
        }
    }

    /** Exports the language model of an Osprey checkpoint folder (its config.json, weights and tokenizer) into {@code outDir}. */
    public void write(HfCheckpoint checkpoint, Path outDir) {
        write(checkpoint, DecoderConfig.fromJson(checkpoint.config(), checkpoint), checkpoint.dir(), outDir);
    }

    /**
     * Writes the decoder {@code config} describes, read from {@code weights}, and copies the tokenizer
     * files of {@code tokenizerDir} (which must hold {@code tokenizer.json}) into {@code outDir}, which
     * must be absent or empty.
     */
    public void write(TensorStore weights, DecoderConfig config, Path tokenizerDir, Path outDir) {
        requireEmpty(outDir);
        List<String> keys = llamaKeys(config);
        DType dtype = commonType(weights, keys);
        ObjectNode json = HfLlamaConfig.of(config, dtype, BundleManifest.Tokens.osprey(), weights);
        try {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
            writeWeights(weights, keys, outDir);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + outDir + ": " + e.getMessage(), e);
        }
        TokenizerFiles.copy(tokenizerDir, outDir);
    }

    /** Every weight of {@code LlamaForCausalLM} with {@code config}'s sizes, in its state-dict order. */
    static List<String> llamaKeys(DecoderConfig config) {
        List<String> keys = new ArrayList<>();
        keys.add(DecoderConfig.EMBED_TOKENS);
        for (int l = 0; l < config.layers(); l++) {
            for (String module : LAYER_MODULES) {
                keys.add(DecoderConfig.layerKey(l, module));
            }
        }
        keys.add(DecoderConfig.FINAL_NORM);
        keys.add(DecoderConfig.LM_HEAD);
        return keys;
    }

    /** The one dtype of the exported weights; {@code torch_dtype} can name only one. */
    private static DType commonType(TensorStore weights, List<String> keys) {
        DType first = weights.get(keys.getFirst()).dtype();
        for (String key : keys) {
            DType type = weights.get(key).dtype();
            if (type != first) {
                throw OspreyException.badCheckpoint("the language model mixes dtypes: " + keys.getFirst() + " is " + first
                        + ", " + key + " is " + type + "; a Hugging Face checkpoint has one torch_dtype");
            }
        }
        HfLlamaConfig.torchName(first);
        return first;
    }

    private void writeWeights(TensorStore weights, List<String> keys, Path outDir) throws IOException {
        List<List<PendingTensor>> shards = shards(weights, keys);
        Map<String, String> format = Map.of("format", "pt");
        if (shards.size() == 1) {
            SafetensorsWriter.write(outDir.resolve(WEIGHTS_FILE), shards.getFirst(), format);
            return;
        }
        Map<String, String> weightMap = new TreeMap<>();
        long totalBytes = 0;
        for (int s = 0; s < shards.size(); s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            SafetensorsWriter.write(outDir.resolve(file), shards.get(s), format);
            for (PendingTensor tensor : shards.get(s)) {
                weightMap.put(tensor.name(), file);
                totalBytes += bytes(tensor);
            }
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", totalBytes);
        weightMap.forEach(index.putObject("weight_map")::put);
        Files.writeString(outDir.resolve(INDEX_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    }

    /** Splits the keys, in order, into shards as save_pretrained does: a shard closes when the next tensor would overflow it. */
    private List<List<PendingTensor>> shards(TensorStore weights, List<String> keys) {
        List<List<PendingTensor>> shards = new ArrayList<>();
        List<PendingTensor> current = new ArrayList<>();
        long currentBytes = 0;
        for (String key : keys) {
            PendingTensor tensor = pending(weights, key);
            if (!current.isEmpty() && currentBytes + bytes(tensor) > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(tensor);
            currentBytes += bytes(tensor);
        }
        shards.add(current);
        return shards;
    }

    /** The tensor's bytes are fetched again when the writer reaches it, so no mapping is held across tensors. */
    private static PendingTensor pending(TensorStore weights, String key) {
        Tensor header = weights.get(key);
        return new PendingTensor(key, header.dtype(), header.shape(), () -> weights.get(key).bytes());
    }

    private static long bytes(PendingTensor tensor) {
        return Shape.numel(tensor.shape()) * tensor.dtype().bytes();
    }

    private static void requireEmpty(Path outDir) {
        if (!Files.exists(outDir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(outDir)) {
            if (entries.findAny().isPresent()) {
                throw OspreyException.badInput(outDir + " is not empty; export the Llama checkpoint into an empty or new folder");
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot read " + outDir + ": " + e.getMessage(), e);
        }
    }
}

package dev.osprey.model.decode;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sizes of the Llama decoder (spec §4.1), read from the checkpoint's {@code config.json} and
 * cross-checked against the weight shapes, so the same code serves Osprey-7B and the tiny test model.
 *
 * @param hidden       model width ({@code hidden_size})
 * @param layers       number of decoder layers (counted from the {@code model.layers.{l}} keys)
 * @param heads        query heads ({@code num_attention_heads})
 * @param kvHeads      key/value heads ({@code num_key_value_heads}; equal to heads for Vicuna)
 * @param headDim      width of one head ({@code hidden / heads})
 * @param intermediate MLP width ({@code intermediate_size})
 * @param vocab        vocabulary size, the rows of the embedding table and of {@code lm_head}
 * @param rmsNormEps   RMSNorm epsilon
 * @param ropeTheta    RoPE base (10000 when the config does not name it)
 * @param maxPositions longest sequence the rotary tables cover ({@code max_position_embeddings})
 */
public record DecoderConfig(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate,
        int vocab, float rmsNormEps, float ropeTheta, int maxPositions) {

    /** Key of the token embedding table. */
    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    /** Key of the final RMSNorm weight. */
    public static final String FINAL_NORM = "model.norm.weight";
    /** Key of the output projection. */
    public static final String LM_HEAD = "lm_head.weight";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern LAYER_KEY = Pattern.compile("model\\.layers\\.(\\d+)\\..*");

    /** The checkpoint key of one layer's weight, e.g. {@code layerKey(0, "self_attn.q_proj")}. */
    public static String layerKey(int layer, String module) {
        return "model.layers." + layer + "." + module + ".weight";
    }

    /** Reads {@code config.json} from a checkpoint folder and checks it against the weights. */
    public static DecoderConfig load(Path checkpointDir, TensorStore weights) {
        Path file = checkpointDir.resolve("config.json");
        try {
            return fromJson(JSON.readTree(Files.readString(file)), weights);
        } catch (IOException | JacksonException e) {
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Builds the config from parsed {@code config.json} fields and checks it against the weights. */
    public static DecoderConfig fromJson(JsonNode json, TensorStore weights) {
        if (json.hasNonNull("rope_scaling")) {
            throw OspreyException.badCheckpoint("config.json sets rope_scaling " + json.get("rope_scaling")
                    + "; only plain RoPE (rope_scaling null) is supported");
        }
        String act = json.path("hidden_act").asString("silu");
        if (!act.equals("silu")) {
            throw OspreyException.badCheckpoint("config.json hidden_act is '" + act + "'; the Llama decoder needs 'silu'");
        }
        int hidden = required(json, "hidden_size");
        int heads = required(json, "num_attention_heads");
        int kvHeads = json.path("num_key_value_heads").asInt(heads);
        if (heads <= 0 || hidden % heads != 0) {
            throw OspreyException.badCheckpoint("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        int headDim = json.path("head_dim").asInt(hidden / heads);
        if (kvHeads <= 0 || heads % kvHeads != 0 || headDim % 2 != 0) {
            throw OspreyException.badCheckpoint("num_key_value_heads " + kvHeads + " must divide num_attention_heads "
                    + heads + " and the head width " + headDim + " must be even");
        }
        DecoderConfig config = new DecoderConfig(hidden, countLayers(weights, required(json, "num_hidden_layers")),
                heads, kvHeads, headDim, required(json, "intermediate_size"), required(json, "vocab_size"),
                (float) json.path("rms_norm_eps").asDouble(1e-6), (float) json.path("rope_theta").asDouble(10000.0),
                required(json, "max_position_embeddings"));
        config.checkShapes(weights);
        return config;
    }

    private static int required(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || !node.isIntegralNumber() || node.asInt() <= 0) {
            throw OspreyException.badCheckpoint("config.json needs a positive integer '" + field + "', found " + node);
        }
        return node.asInt();
    }

    /** The layers are the distinct {@code model.layers.{l}} indices; they must be 0..L-1 and match the config. */
    private static int countLayers(TensorStore weights, int configured) {
        Set<Integer> indices = new TreeSet<>();
        for (String name : weights.names()) {
            Matcher m = LAYER_KEY.matcher(name);
            if (m.matches()) {
                indices.add(Integer.parseInt(m.group(1)));
            }
        }
        int count = indices.size();
        if (count != configured || (count > 0 && !indices.contains(count - 1))) {
            throw OspreyException.badCheckpoint("the weights hold layers " + indices + " but config.json says num_hidden_layers "
                    + configured);
        }
        return count;
    }

    private void checkShapes(TensorStore weights) {
        expect(weights, EMBED_TOKENS, vocab, hidden);
        expect(weights, LM_HEAD, vocab, hidden);
        expect(weights, FINAL_NORM, hidden);
        for (int l = 0; l < layers; l++) {
            expect(weights, layerKey(l, "self_attn.q_proj"), heads * headDim, hidden);
            expect(weights, layerKey(l, "self_attn.k_proj"), kvHeads * headDim, hidden);
            expect(weights, layerKey(l, "self_attn.v_proj"), kvHeads * headDim, hidden);
            expect(weights, layerKey(l, "self_attn.o_proj"), hidden, heads * headDim);
            expect(weights, layerKey(l, "mlp.gate_proj"), intermediate, hidden);
            expect(weights, layerKey(l, "mlp.up_proj"), intermediate, hidden);
            expect(weights, layerKey(l, "mlp.down_proj"), hidden, intermediate);
            expect(weights, layerKey(l, "input_layernorm"), hidden);
            expect(weights, layerKey(l, "post_attention_layernorm"), hidden);
        }
    }

    private static void expect(TensorStore weights, String name, long... shape) {
        weights.require(name);
        long[] actual = weights.get(name).shape();
        if (!Arrays.equals(actual, shape)) {
            throw OspreyException.badCheckpoint("tensor '" + name + "' is " + Shape.toString(actual) + ", config.json implies "
                    + Shape.toString(shape));
        }
    }
}

package dev.osprey.model.bundle;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code config.json} of a Hugging Face {@code LlamaForCausalLM} with Osprey's decoder sizes: the
 * fields transformers' {@code LlamaConfig} and TensorRT-LLM's Llama converter read.
 */
final class HfLlamaConfig {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private HfLlamaConfig() {
    }

    /**
     * The config for {@code decoder} stored as {@code dtype}, checked by parsing it back against the
     * weights: it must describe exactly the decoder we run, shapes included.
     */
    static ObjectNode of(DecoderConfig decoder, DType dtype, BundleManifest.Tokens tokens, TensorStore weights) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_act", "silu");
        c.put("hidden_size", decoder.hidden());
        c.put("intermediate_size", decoder.intermediate());
        c.put("num_hidden_layers", decoder.layers());
        c.put("num_attention_heads", decoder.heads());
        c.put("num_key_value_heads", decoder.kvHeads());
        c.put("head_dim", decoder.headDim());
        // Through the float's decimal form, so 1e-5f is written as 1.0E-5 and not as 9.99999974737875E-6.
        c.put("rms_norm_eps", Double.parseDouble(Float.toString(decoder.rmsNormEps())));
        c.put("rope_theta", Double.parseDouble(Float.toString(decoder.ropeTheta())));
        c.putNull("rope_scaling");
        c.put("max_position_embeddings", decoder.maxPositions());
        c.put("vocab_size", decoder.vocab());
        c.put("bos_token_id", tokens.bos());
        c.put("eos_token_id", tokens.eos());
        c.put("pad_token_id", tokens.pad());
        c.put("tie_word_embeddings", false);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("pretraining_tp", 1);
        c.put("initializer_range", 0.02);
        c.put("use_cache", true);
        c.put("torch_dtype", torchName(dtype));
        DecoderConfig parsed = DecoderConfig.fromJson(c, weights);
        if (!parsed.equals(decoder)) {
            throw new OspreyException(Reason.INTERNAL, "config.json would describe " + parsed + ", not the decoder " + decoder);
        }
        return c;
    }

    /** The {@code torch_dtype} name of a floating-point weight type. */
    static String torchName(DType dtype) {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            default -> throw OspreyException.badCheckpoint("decoder weights are " + dtype + "; a Llama checkpoint holds bfloat16, float16 or float32");
        };
    }
}

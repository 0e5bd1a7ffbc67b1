package dev.osprey.model.decode;

import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes a small random Llama checkpoint (config.json + model.safetensors, bf16) for graph tests. */
final class RandomLlama {

    private RandomLlama() {
    }

    /** Writes a checkpoint with these sizes into {@code dir}; {@code configJson} is written as given. */
    static void write(Path dir, DecoderConfig c, String configJson, long seed) {
        Random random = new Random(seed);
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(matrix(random, DecoderConfig.EMBED_TOKENS, c.vocab(), c.hidden(), 1.0));
        for (int l = 0; l < c.layers(); l++) {
            // Gain 2 on q/k so attention is peaky, as in the golden checkpoint.
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "self_attn.q_proj"), c.heads() * c.headDim(), c.hidden(), 2.0));
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "self_attn.k_proj"), c.kvHeads() * c.headDim(), c.hidden(), 2.0));
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "self_attn.v_proj"), c.kvHeads() * c.headDim(), c.hidden(), 1.0));
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "self_attn.o_proj"), c.hidden(), c.heads() * c.headDim(), 1.0));
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "mlp.gate_proj"), c.intermediate(), c.hidden(), 1.0));
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "mlp.up_proj"), c.intermediate(), c.hidden(), 1.0));
            tensors.add(matrix(random, DecoderConfig.layerKey(l, "mlp.down_proj"), c.hidden(), c.intermediate(), 1.0));
            tensors.add(norm(random, DecoderConfig.layerKey(l, "input_layernorm"), c.hidden()));
            tensors.add(norm(random, DecoderConfig.layerKey(l, "post_attention_layernorm"), c.hidden()));
        }
        tensors.add(norm(random, DecoderConfig.FINAL_NORM, c.hidden()));
        tensors.add(matrix(random, DecoderConfig.LM_HEAD, c.vocab(), c.hidden(), 1.0));
        try {
            Files.writeString(dir.resolve("config.json"), configJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter.writeTensors(dir.resolve("model.safetensors"), tensors, Map.of());
    }

    /** The config.json of these sizes. */
    static String configJson(DecoderConfig c) {
        return String.format("""
                {"hidden_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                 "intermediate_size": %d, "vocab_size": %d, "rms_norm_eps": %s, "rope_theta": %s,
                 "max_position_embeddings": %d, "hidden_act": "silu", "rope_scaling": null}
                """, c.hidden(), c.layers(), c.heads(), c.kvHeads(), c.intermediate(), c.vocab(), c.rmsNormEps(), c.ropeTheta(),
                c.maxPositions());
    }

    /** Gaussian [rows, cols] with standard deviation gain / sqrt(cols), rounded to bf16. */
    private static Tensor matrix(Random random, String name, int rows, int cols, double gain) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * gain / Math.sqrt(cols));
        }
        return Tensor.ofFloats(name, new long[] {rows, cols}, values).to(DType.BF16);
    }

    private static Tensor norm(Random random, String name, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (1 + 0.1 * random.nextGaussian());
        }
        return Tensor.ofFloats(name, new long[] {size}, values).to(DType.BF16);
    }
}

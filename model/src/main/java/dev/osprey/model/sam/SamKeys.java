package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The official SAM state dict ({@code sam_vit_b_01ec64.pth}): every key and its shape for a
 * geometry, and the strict check {@code load_state_dict} makes (no key missing, none extra, every
 * shape right).
 */
final class SamKeys {

    static final String ENCODER = "image_encoder.";
    static final String PATCH_EMBED = ENCODER + "patch_embed.proj";
    static final String POS_EMBED = ENCODER + "pos_embed";
    static final String PROMPT = "prompt_encoder.";
    static final String MASK_DOWNSCALING = PROMPT + "mask_downscaling.";
    static final String DECODER = "mask_decoder.";
    static final String TRANSFORMER = DECODER + "transformer.";
    /** The gaussian matrix of the random-Fourier positional encoding [2, C/2] (a buffer kept in the file). */
    static final String PE_GAUSSIAN = PROMPT + "pe_layer.positional_encoding_gaussian_matrix";

    private SamKeys() {
    }

    /** The prefix of ViT block {@code i}'s keys. */
    static String block(int i) {
        return ENCODER + "blocks." + i + ".";
    }

    /** Every key of the geometry with its shape, in the reference's state-dict order. */
    static Map<String, long[]> expected(SamConfig c) {
        Map<String, long[]> keys = new LinkedHashMap<>();
        int e = c.encoderDim();
        int grid = c.gridSide();
        int headDim = e / c.encoderHeads();
        keys.put(POS_EMBED, new long[] {1, grid, grid, e});
        conv(keys, PATCH_EMBED, e, 3, c.patchSize());
        for (int i = 0; i < c.encoderDepth(); i++) {
            String b = block(i);
            int side = c.globalAttnIndexes().contains(i) ? grid : c.windowSize();
            norm(keys, b + "norm1", e);
            keys.put(b + "attn.rel_pos_h", new long[] {2L * side - 1, headDim});
            keys.put(b + "attn.rel_pos_w", new long[] {2L * side - 1, headDim});
            linear(keys, b + "attn.qkv", e, 3 * e);
            linear(keys, b + "attn.proj", e, e);
            norm(keys, b + "norm2", e);
            linear(keys, b + "mlp.lin1", e, c.encoderMlpDim());
            linear(keys, b + "mlp.lin2", c.encoderMlpDim(), e);
        }
        int ch = c.channels();
        keys.put(ENCODER + "neck.0.weight", new long[] {ch, e, 1, 1});
        norm(keys, ENCODER + "neck.1", ch);
        keys.put(ENCODER + "neck.2.weight", new long[] {ch, ch, 3, 3});
        norm(keys, ENCODER + "neck.3", ch);

        keys.put(PE_GAUSSIAN, new long[] {2, ch / 2});
        for (int i = 0; i < 4; i++) {
            keys.put(PROMPT + "point_embeddings." + i + ".weight", new long[] {1, ch});
        }
        keys.put(PROMPT + "not_a_point_embed.weight", new long[] {1, ch});
        int quarter = c.maskInChans() / 4;
        conv(keys, MASK_DOWNSCALING + "0", quarter, 1, 2);
        norm(keys, MASK_DOWNSCALING + "1", quarter);
        conv(keys, MASK_DOWNSCALING + "3", c.maskInChans(), quarter, 2);
        norm(keys, MASK_DOWNSCALING + "4", c.maskInChans());
        conv(keys, MASK_DOWNSCALING + "6", ch, c.maskInChans(), 1);
        keys.put(PROMPT + "no_mask_embed.weight", new long[] {1, ch});

        int inner = ch / c.attentionDownsample();
        for (int i = 0; i < c.decoderDepth(); i++) {
            String l = TRANSFORMER + "layers." + i + ".";
            attention(keys, l + "self_attn", ch, ch);
            norm(keys, l + "norm1", ch);
            attention(keys, l + "cross_attn_token_to_image", ch, inner);
            norm(keys, l + "norm2", ch);
            linear(keys, l + "mlp.lin1", ch, c.decoderMlpDim());
            linear(keys, l + "mlp.lin2", c.decoderMlpDim(), ch);
            norm(keys, l + "norm3", ch);
            norm(keys, l + "norm4", ch);
            attention(keys, l + "cross_attn_image_to_token", ch, inner);
        }
        attention(keys, TRANSFORMER + "final_attn_token_to_image", ch, inner);
        norm(keys, TRANSFORMER + "norm_final_attn", ch);
        keys.put(DECODER + "iou_token.weight", new long[] {1, ch});
        keys.put(DECODER + "mask_tokens.weight", new long[] {c.maskTokens(), ch});
        keys.put(DECODER + "output_upscaling.0.weight", new long[] {ch, ch / 4, 2, 2});
        keys.put(DECODER + "output_upscaling.0.bias", new long[] {ch / 4});
        norm(keys, DECODER + "output_upscaling.1", ch / 4);
        keys.put(DECODER + "output_upscaling.3.weight", new long[] {ch / 4, ch / 8, 2, 2});
        keys.put(DECODER + "output_upscaling.3.bias", new long[] {ch / 8});
        for (int t = 0; t < c.maskTokens(); t++) {
            mlp(keys, DECODER + "output_hypernetworks_mlps." + t, ch, ch, ch / 8, 3);
        }
        mlp(keys, DECODER + "iou_prediction_head", ch, c.iouHeadHiddenDim(), c.maskTokens(), c.iouHeadDepth());
        return keys;
    }

    /** The widths of an MLP's layers: in, hidden x (depth - 1), out (the reference's {@code MLP}). */
    static int[] mlpWidths(int in, int hidden, int out, int depth) {
        int[] widths = new int[depth + 1];
        Arrays.fill(widths, hidden);
        widths[0] = in;
        widths[depth] = out;
        return widths;
    }

    /**
     * Fails unless {@code store} holds exactly the keys of {@code config} with their shapes.
     *
     * @throws OspreyException {@code BAD_CHECKPOINT} listing missing, unexpected and mis-shaped keys
     */
    static void check(TensorStore store, SamConfig config, String source) {
        Map<String, long[]> expected = expected(config);
        List<String> problems = new ArrayList<>();
        expected.forEach((key, shape) -> {
            if (!store.contains(key)) {
                problems.add("missing " + key);
            } else if (!Arrays.equals(store.get(key).shape(), shape)) {
                problems.add(key + " is " + Shape.toString(store.get(key).shape()) + ", expected " + Shape.toString(shape));
            }
        });
        store.names().stream().filter(k -> !expected.containsKey(k)).forEach(k -> problems.add("unexpected " + k));
        if (!problems.isEmpty()) {
            throw OspreyException.badCheckpoint(source + " does not match the SAM geometry " + config.variant() + " (" + problems.size()
                    + " problem(s)): " + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                    + (problems.size() > 5 ? "; ..." : ""));
        }
    }

    private static void mlp(Map<String, long[]> keys, String prefix, int in, int hidden, int out, int depth) {
        int[] widths = mlpWidths(in, hidden, out, depth);
        for (int j = 0; j < depth; j++) {
            linear(keys, prefix + ".layers." + j, widths[j], widths[j + 1]);
        }
    }

    private static void attention(Map<String, long[]> keys, String prefix, int width, int inner) {
        linear(keys, prefix + ".q_proj", width, inner);
        linear(keys, prefix + ".k_proj", width, inner);
        linear(keys, prefix + ".v_proj", width, inner);
        linear(keys, prefix + ".out_proj", inner, width);
    }

    private static void linear(Map<String, long[]> keys, String prefix, int in, int out) {
        keys.put(prefix + ".weight", new long[] {out, in});
        keys.put(prefix + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> keys, String prefix, int width) {
        keys.put(prefix + ".weight", new long[] {width});
        keys.put(prefix + ".bias", new long[] {width});
    }

    private static void conv(Map<String, long[]> keys, String prefix, int out, int in, int kernel) {
        keys.put(prefix + ".weight", new long[] {out, in, kernel, kernel});
        keys.put(prefix + ".bias", new long[] {out});
    }
}

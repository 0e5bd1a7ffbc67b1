package dev.osprey.model.bundle;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The key layout of an Osprey checkpoint: which part of the model each tensor belongs to, which
 * tensors the reference never uses (and conversion skips), and the check that a checkpoint has
 * nothing else, so that a wrong or mismatched checkpoint fails before any work is done.
 */
final class OspreyKeys {

    /** Where a tensor goes in the bundle. */
    enum Part { EMBEDDINGS, DECODER, VISION, PROJECTOR, EXTRACTOR, UNUSED }

    static final String TRUNK_PREFIX = "model.vision_tower.vision_tower.visual.trunk.";

    private static final Map<Part, Pattern> PATTERNS = new EnumMap<>(Map.of(
            Part.EMBEDDINGS, Pattern.compile("model\\.embed_tokens\\.weight"),
            Part.DECODER, Pattern.compile("model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj\\.weight|mlp\\.(gate|up|down)_proj\\.weight"
                    + "|input_layernorm\\.weight|post_attention_layernorm\\.weight)|model\\.norm\\.weight|lm_head\\.weight"),
            Part.VISION, Pattern.compile(Pattern.quote(TRUNK_PREFIX) + "(stem\\.[01]\\.(weight|bias)"
                    + "|stages\\.\\d+\\.downsample\\.[01]\\.(weight|bias)"
                    + "|stages\\.\\d+\\.blocks\\.\\d+\\.(gamma|conv_dw\\.(weight|bias)|norm\\.(weight|bias)|mlp\\.fc[12]\\.(weight|bias)))"),
            Part.PROJECTOR, Pattern.compile("model\\.mm_projector\\.[02]\\.(weight|bias)"),
            Part.EXTRACTOR, Pattern.compile("mask_extractor\\.(res[2-5]|feat_linear|mask_linear\\.layers\\.[0-2])\\.(weight|bias)"),
            // Present in the real checkpoint, never used by the reference: rotary buffers (inv_freq is
            // recomputed from rope_theta) and the CLIP pooling head.
            Part.UNUSED, Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq"
                    + "|" + Pattern.quote(TRUNK_PREFIX) + "head\\..*"
                    + "|model\\.vision_tower\\.vision_tower\\.visual\\.head\\..*")));

    private OspreyKeys() {
    }

    /** The part a key belongs to, or null when it is not part of an Osprey checkpoint. */
    static Part classify(String key) {
        for (Map.Entry<Part, Pattern> entry : PATTERNS.entrySet()) {
            if (entry.getValue().matcher(key).matches()) {
                return entry.getKey();
            }
        }
        return null;
    }

    /**
     * Checks that the store is an Osprey checkpoint with no surplus tensors. Missing tensors are
     * found by the builders, which know exactly what each layer needs.
     */
    static void check(TensorStore store, String where) {
        Map<Part, Integer> counts = new EnumMap<>(Part.class);
        List<String> unexpected = new ArrayList<>();
        for (String key : store.names()) {
            Part part = classify(key);
            if (part == null) {
                unexpected.add(key);
            } else {
                counts.merge(part, 1, Integer::sum);
            }
        }
        List<String> absentParts = new ArrayList<>();
        for (Part part : List.of(Part.EMBEDDINGS, Part.DECODER, Part.VISION, Part.PROJECTOR, Part.EXTRACTOR)) {
            if (!counts.containsKey(part)) {
                absentParts.add(part.name().toLowerCase());
            }
        }
        if (!absentParts.isEmpty()) {
            throw OspreyException.badCheckpoint(where + " is not an Osprey checkpoint: it has no " + String.join(", ", absentParts)
                    + " tensors (an Osprey checkpoint holds the LLM, the vision tower under " + TRUNK_PREFIX
                    + ", model.mm_projector.* and mask_extractor.*)");
        }
        if (!unexpected.isEmpty()) {
            throw OspreyException.badCheckpoint(where + " has " + unexpected.size() + " unexpected tensor(s): "
                    + String.join(", ", unexpected.subList(0, Math.min(20, unexpected.size())))
                    + (unexpected.size() > 20 ? ", ..." : ""));
        }
    }
}

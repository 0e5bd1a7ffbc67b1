package dev.osprey.model.vision;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The vision tower's geometry (spec §1.3, §2), read from weight shapes, never from constants: the
 * same code serves ConvNeXt-Large (depths [3,3,27,3], dims [192,384,768,1536], projector 768 → 4096)
 * and the tiny golden model (depths [1,1,2,1], dims [8,16,32,64], projector 32 → 64).
 *
 * <p>Keys are found under two prefixes so that other layouts work too: the Osprey checkpoint's
 * {@value #OSPREY_TRUNK} and {@value #OSPREY_PROJECTOR}, or open_clip's {@value #OPEN_CLIP_TRUNK}
 * for the trunk.
 *
 * @param trunkPrefix     prefix of the ConvNeXt trunk keys ({@code stem.*}, {@code stages.*})
 * @param projectorPrefix prefix of the mm_projector keys ({@code 0.weight} ... {@code 2.bias})
 * @param patchSize       stem conv kernel and stride (4)
 * @param depths          blocks per stage, one entry per stage (res2..res5)
 * @param dims            channels per stage
 * @param mmHidden        projector input width, the channels of res4
 * @param hidden          projector output width, the LLM's hidden size
 * @param imageSize       side of the square model input; not a weight shape (spec §1.4: 512)
 */
public record VisionConfig(String trunkPrefix, String projectorPrefix, int patchSize, List<Integer> depths,
        List<Integer> dims, int mmHidden, int hidden, int imageSize) {

    /** Trunk keys in the Osprey checkpoint. */
    public static final String OSPREY_TRUNK = "model.vision_tower.vision_tower.visual.trunk.";
    /** Trunk keys in open_clip's {@code open_clip_pytorch_model.bin}. */
    public static final String OPEN_CLIP_TRUNK = "visual.trunk.";
    /** Projector keys in the Osprey checkpoint. */
    public static final String OSPREY_PROJECTOR = "model.mm_projector.";
    /** The model input side: the reference stretches every image to 512x512 (spec §1.4). */
    public static final int IMAGE_SIZE = 512;
    /** res2..res5: one feature map per ConvNeXt stage (spec §1.2). */
    public static final int STAGES = 4;
    /** The stage whose output (res4) becomes the image tokens (spec §1.5). */
    public static final int TOKEN_STAGE = 2;

    private static final String[] BLOCK_PARAMS = {"conv_dw.weight", "conv_dw.bias", "norm.weight", "norm.bias",
        "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias", "gamma"};
    private static final int MAX_NAMED_MISSING = 10;

    public VisionConfig {
        depths = List.copyOf(depths);
        dims = List.copyOf(dims);
        if (depths.size() != STAGES || dims.size() != STAGES) {
            throw OspreyException.badCheckpoint("the vision tower needs " + STAGES + " ConvNeXt stages (res2..res5), found depths "
                    + depths + " and dims " + dims);
        }
        if (imageSize % (patchSize << (STAGES - 1)) != 0) {
            throw OspreyException.badCheckpoint("image size " + imageSize + " is not divisible by the total stride "
                    + (patchSize << (STAGES - 1)) + " (patch " + patchSize + ", three 2x2 downsamplings)");
        }
        if (mmHidden != dims.get(TOKEN_STAGE)) {
            throw OspreyException.badCheckpoint("mm_projector takes " + mmHidden + " features but res4 has "
                    + dims.get(TOKEN_STAGE) + " channels");
        }
    }

    /** Reads the geometry of an Osprey checkpoint (trunk under {@value #OSPREY_TRUNK}). */
    public static VisionConfig from(TensorStore store) {
        return from(store, OSPREY_TRUNK, OSPREY_PROJECTOR);
    }

    /**
     * Reads the geometry from weight shapes: depths by counting {@code stages.{s}.blocks.{b}} keys,
     * dims from the depthwise convs, the patch size from the stem conv, the projector widths from
     * {@code 0.weight} [hidden, mmHidden] and {@code 2.weight} [hidden, hidden].
     *
     * @throws OspreyException {@code BAD_CHECKPOINT} naming the missing keys or the odd shape
     */
    public static VisionConfig from(TensorStore store, String trunkPrefix, String projectorPrefix) {
        List<Integer> depths = countBlocks(store, trunkPrefix);
        requireAll(store, requiredKeys(trunkPrefix, projectorPrefix, depths));

        long[] stem = store.get(trunkPrefix + "stem.0.weight").shape();
        if (stem.length != 4 || stem[1] != 3 || stem[2] != stem[3]) {
            throw OspreyException.badCheckpoint(trunkPrefix + "stem.0.weight is " + Shape.toString(stem)
                    + ", expected [C, 3, p, p] (a square patch conv on RGB)");
        }
        List<Integer> dims = new ArrayList<>();
        for (int s = 0; s < depths.size(); s++) {
            dims.add(Math.toIntExact(store.get(trunkPrefix + "stages." + s + ".blocks.0.conv_dw.weight").shape()[0]));
        }
        long[] fc0 = store.get(projectorPrefix + "0.weight").shape();
        long[] fc2 = store.get(projectorPrefix + "2.weight").shape();
        if (fc0.length != 2 || fc2.length != 2 || fc2[0] != fc2[1] || fc0[0] != fc2[0]) {
            throw OspreyException.badCheckpoint("mm_projector weights are " + Shape.toString(fc0) + " and " + Shape.toString(fc2)
                    + ", expected [hidden, mm_hidden] and [hidden, hidden] (mlp2x_gelu, spec §2)");
        }
        return new VisionConfig(trunkPrefix, projectorPrefix, Math.toIntExact(stem[2]), depths, dims,
                Math.toIntExact(fc0[1]), Math.toIntExact(fc2[0]), IMAGE_SIZE);
    }

    /** The full key of a trunk parameter, e.g. {@code trunk("stem.0.weight")}. */
    public String trunk(String name) {
        return trunkPrefix + name;
    }

    /** The full key of a projector parameter, e.g. {@code projector("0.weight")}. */
    public String projector(String name) {
        return projectorPrefix + name;
    }

    /** Side of stage {@code s}'s square feature map: the image over the patch, halved per later stage. */
    public int side(int stage) {
        return imageSize / patchSize >> stage;
    }

    /** Image tokens per image: res4's pixels (1024 at 512x512). */
    public int tokens() {
        return side(TOKEN_STAGE) * side(TOKEN_STAGE);
    }

    private static List<Integer> countBlocks(TensorStore store, String trunkPrefix) {
        Pattern block = Pattern.compile(Pattern.quote(trunkPrefix) + "stages\\.(\\d+)\\.blocks\\.(\\d+)\\..*");
        TreeMap<Integer, Integer> depthByStage = new TreeMap<>();
        for (String name : store.names()) {
            Matcher m = block.matcher(name);
            if (m.matches()) {
                depthByStage.merge(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)) + 1, Math::max);
            }
        }
        if (depthByStage.isEmpty()) {
            throw OspreyException.badCheckpoint("no ConvNeXt blocks found: expected keys like '" + trunkPrefix
                    + "stages.0.blocks.0.conv_dw.weight' (is the trunk prefix right?)");
        }
        List<Integer> depths = new ArrayList<>();
        for (int s = 0; s <= depthByStage.lastKey(); s++) {
            // A stage without any block keys counts one block, so its block 0 keys are reported missing.
            depths.add(depthByStage.getOrDefault(s, 1));
        }
        return depths;
    }

    private static List<String> requiredKeys(String trunkPrefix, String projectorPrefix, List<Integer> depths) {
        List<String> keys = new ArrayList<>();
        for (String p : new String[] {"stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias"}) {
            keys.add(trunkPrefix + p);
        }
        for (int s = 0; s < depths.size(); s++) {
            String stage = trunkPrefix + "stages." + s + ".";
            if (s > 0) {
                for (String p : new String[] {"downsample.0.weight", "downsample.0.bias", "downsample.1.weight", "downsample.1.bias"}) {
                    keys.add(stage + p);
                }
            }
            for (int b = 0; b < depths.get(s); b++) {
                for (String p : BLOCK_PARAMS) {
                    keys.add(stage + "blocks." + b + "." + p);
                }
            }
        }
        for (String p : new String[] {"0.weight", "0.bias", "2.weight", "2.bias"}) {
            keys.add(projectorPrefix + p);
        }
        return keys;
    }

    private static void requireAll(TensorStore store, List<String> keys) {
        List<String> missing = keys.stream().filter(k -> !store.contains(k)).toList();
        if (!missing.isEmpty()) {
            String named = String.join(", ", missing.subList(0, Math.min(missing.size(), MAX_NAMED_MISSING)));
            String more = missing.size() > MAX_NAMED_MISSING ? " and " + (missing.size() - MAX_NAMED_MISSING) + " more" : "";
            throw OspreyException.badCheckpoint("the checkpoint lacks " + missing.size() + " vision tensor(s): " + named + more);
        }
    }
}

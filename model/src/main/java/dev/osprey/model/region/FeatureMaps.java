package dev.osprey.model.region;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.vision.FeatureMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The four feature maps the mask extractor pools, in order res2, res3, res4, res5 (strides 4, 8,
 * 16, 32 of the 512x512 input: 128², 64², 32², 16² cells).
 *
 * @param levels exactly four maps, res2 first
 */
public record FeatureMaps(List<FeatureMap> levels) {

    /** The level names, as tensors in a features file and as the extractor's Linear keys. */
    public static final List<String> NAMES = List.of("res2", "res3", "res4", "res5");

    public FeatureMaps {
        levels = List.copyOf(levels);
        if (levels.size() != NAMES.size()) {
            throw new IllegalArgumentException("expected " + NAMES.size() + " feature maps (res2..res5), got " + levels.size());
        }
    }

    /** Level {@code k} (0 = res2). */
    public FeatureMap level(int k) {
        return levels.get(k);
    }

    /**
     * Reads {@code res2..res5} ({@code [C, H, W]}, any float type) from a features file such as
     * {@code osprey encode} writes.
     */
    public static FeatureMaps read(TensorStore store) {
        List<FeatureMap> maps = new ArrayList<>(NAMES.size());
        for (String name : NAMES) {
            if (!store.contains(name)) {
                throw OspreyException.badInput("features have no '" + name + "' tensor (expected res2..res5 as 'osprey encode' writes them)");
            }
            Tensor t = store.get(name);
            long[] s = t.shape();
            if (s.length != 3) {
                throw OspreyException.badInput("features tensor " + name + " has shape " + Shape.toString(s) + ", expected [C, H, W]");
            }
            maps.add(new FeatureMap(name, (int) s[0], (int) s[1], (int) s[2], t.toFloats()));
        }
        return new FeatureMaps(maps);
    }
}

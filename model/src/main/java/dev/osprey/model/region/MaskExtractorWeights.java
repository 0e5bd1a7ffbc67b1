package dev.osprey.model.region;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * The MaskExtractor's weights (spec §3), held as bf16 ({@link Linear}), widths read from the tensor shapes: Osprey-7B has
 * level Linears 192/384/768/1536 → 1024, {@code feat_linear} 1024 → 4096 and the spatial MLP
 * 12544 → 1024 → 1024 → 4096 (a 112x112 mask); the tiny golden checkpoint is 8/16/32/64 → 32 → 64.
 *
 * @param levels     {@code mask_extractor.res2..res5}: C_k → E, one per feature level
 * @param featLinear {@code mask_extractor.feat_linear}: E → D, makes the mask token
 * @param maskLinear {@code mask_extractor.mask_linear.layers.0..2}: S² → H → H' → D, makes the pos token
 * @param maskShape  S, the side of the square mask the spatial MLP reads
 */
public record MaskExtractorWeights(List<Linear> levels, Linear featLinear, List<Linear> maskLinear, int maskShape) {

    /** Key prefix of the extractor in an Osprey checkpoint. */
    public static final String PREFIX = "mask_extractor.";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    public MaskExtractorWeights {
        levels = List.copyOf(levels);
        maskLinear = List.copyOf(maskLinear);
        if (levels.size() != FeatureMaps.NAMES.size() || maskLinear.size() != 3) {
            throw new IllegalArgumentException("need 4 level Linears and 3 mask_linear layers, got " + levels.size() + " and " + maskLinear.size());
        }
        int levelWidth = levels.getFirst().out();
        for (int k = 0; k < levels.size(); k++) {
            require(levels.get(k).out() == levelWidth, FeatureMaps.NAMES.get(k) + " outputs " + levels.get(k).out()
                    + " features, res2 outputs " + levelWidth);
        }
        require(featLinear.in() == levelWidth, "feat_linear reads " + featLinear.in() + " features, the levels give " + levelWidth);
        require((long) maskShape * maskShape == maskLinear.get(0).in(),
                "mask_linear.layers.0 reads " + maskLinear.get(0).in() + " features, not a square mask of side " + maskShape);
        require(maskLinear.get(1).in() == maskLinear.get(0).out() && maskLinear.get(2).in() == maskLinear.get(1).out(),
                "mask_linear layer widths do not chain");
        require(maskLinear.get(2).out() == featLinear.out(), "pos tokens would be " + maskLinear.get(2).out()
                + " wide and mask tokens " + featLinear.out());
    }

    /**
     * Loads {@code mask_extractor.*} from a checkpoint or bundle (bf16 or fp32); fails with a message
     * naming the fix when the JVM was started without the Vector API the kernels run on.
     */
    public static MaskExtractorWeights load(TensorStore store) {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            throw new OspreyException(Reason.INTERNAL, "the mask extractor needs the Vector API: start java with --add-modules="
                    + VECTOR_MODULE + " (bin/osprey and the service images do)");
        }
        List<Linear> levels = new ArrayList<>();
        for (String name : FeatureMaps.NAMES) {
            levels.add(Linear.load(store, PREFIX + name));
        }
        List<Linear> mlp = new ArrayList<>();
        for (int layer = 0; layer < 3; layer++) {
            mlp.add(Linear.load(store, PREFIX + "mask_linear.layers." + layer));
        }
        int side = (int) Math.round(Math.sqrt(mlp.getFirst().in()));
        return new MaskExtractorWeights(levels, Linear.load(store, PREFIX + "feat_linear"), mlp, side);
    }

    /** The bytes of weights a call reads at most (bf16; the layers' {@link Linear#weightBytes}). */
    public long weightBytes() {
        long bytes = featLinear.weightBytes();
        for (Linear linear : levels) {
            bytes += linear.weightBytes();
        }
        for (Linear linear : maskLinear) {
            bytes += linear.weightBytes();
        }
        return bytes;
    }

    /** D, the width of both region tokens (the LLM's hidden size). */
    public int tokenWidth() {
        return featLinear.out();
    }

    /** Channels the extractor expects in feature level {@code k} (0 = res2). */
    public int channels(int k) {
        return levels.get(k).in();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw OspreyException.badCheckpoint("mask extractor: " + message);
        }
    }
}

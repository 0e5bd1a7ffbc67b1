package dev.osprey.model.region;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.vision.FeatureMap;
import java.util.ArrayList;
import java.util.List;

/**
 * Osprey's mask-aware visual extractor (spec §3): for each region mask, a mask token from the
 * image's four feature maps pooled inside the mask, and a pos token from the mask's shape.
 *
 * <p>All regions of one call are computed together, so each weight matrix is read once per call
 * whatever the number of regions. Masks are at the image's original resolution and are stretched
 * to every map exactly as the image was stretched to 512x512. Thread-safe: the weights are
 * read-only and every call allocates its own buffers.
 *
 * <pre>{@code
 * MaskExtractor extractor = new MaskExtractor(MaskExtractorWeights.load(bundle));
 * RegionTokens tokens = extractor.extract(FeatureMaps.read(features), masks);
 * }</pre>
 */
public final class MaskExtractor {

    private final MaskExtractorWeights weights;

    /** An extractor running {@code weights} (see {@link MaskExtractorWeights#load}). */
    public MaskExtractor(MaskExtractorWeights weights) {
        this.weights = weights;
    }

    /** The weights this extractor runs. */
    public MaskExtractorWeights weights() {
        return weights;
    }

    /**
     * The mask and pos tokens of {@code masks} (one image's regions, all at the image's size);
     * an empty mask gives finite tokens, as in the reference.
     */
    public RegionTokens extract(FeatureMaps features, List<BinaryMask> masks) {
        return stages(features, masks).tokens();
    }

    /** {@link #extract} keeping every intermediate. */
    public ExtractorStages stages(FeatureMaps features, List<BinaryMask> masks) {
        requireCompatible(features, masks);
        int regions = masks.size();
        int side = weights.maskShape();
        int levels = features.levels().size();

        // spec §3 step 2: each mask resized to every map and binarised, kept as the cells it selects
        List<List<MaskPooling.Cells>> cells = new ArrayList<>(levels);
        for (int k = 0; k < levels; k++) {
            cells.add(new ArrayList<>(regions));
        }
        float[][] posInput = new float[regions][];
        for (int q = 0; q < regions; q++) {
            MaskSampler mask = new MaskSampler(masks.get(q));
            for (int k = 0; k < levels; k++) {
                FeatureMap map = features.level(k);
                cells.get(k).add(mask.cells(map.height(), map.width()));
            }
            // spec §3 step 4: the unbinarised mask, bilinear to side x side, flattened row-major
            posInput[q] = mask.resized(side, side);
        }

        // spec §3 steps 2-3: pool each level, its Linear, sum of the levels, feat_linear
        List<float[][]> pooled = new ArrayList<>(levels);
        List<float[][]> levelFeatures = new ArrayList<>(levels);
        float[][] summed = new float[regions][weights.levels().getFirst().out()];
        for (int k = 0; k < levels; k++) {
            float[][] p = MaskPooling.pool(features.level(k), cells.get(k));
            float[][] f = weights.levels().get(k).forward(p);
            pooled.add(p);
            levelFeatures.add(f);
            for (int q = 0; q < regions; q++) {
                add(summed[q], f[q]);
            }
        }
        float[][] maskTokens = weights.featLinear().forward(summed);

        // spec §3 step 4: Linear-ReLU-Linear-ReLU-Linear
        List<Linear> mlp = weights.maskLinear();
        float[][] hidden = mlp.get(0).forwardRelu(posInput);
        hidden = mlp.get(1).forwardRelu(hidden);
        float[][] posTokens = mlp.get(2).forward(hidden);

        int[][] cellsPerLevel = new int[regions][levels];
        for (int q = 0; q < regions; q++) {
            for (int k = 0; k < levels; k++) {
                cellsPerLevel[q][k] = cells.get(k).get(q).count();
            }
        }
        RegionTokens tokens = new RegionTokens(flatten(maskTokens), flatten(posTokens), regions, weights.tokenWidth(), cellsPerLevel);
        return new ExtractorStages(posInput, pooled, levelFeatures, tokens);
    }

    private void requireCompatible(FeatureMaps features, List<BinaryMask> masks) {
        if (masks.isEmpty()) {
            throw OspreyException.badInput("no region masks: give at least one");
        }
        BinaryMask first = masks.getFirst();
        for (int q = 1; q < masks.size(); q++) {
            if (masks.get(q).height() != first.height() || masks.get(q).width() != first.width()) {
                throw OspreyException.badInput("region " + (q + 1) + ": mask is " + masks.get(q).size()
                        + ", region 1's is " + first.size() + " (all masks must have the image's size)");
            }
        }
        for (int k = 0; k < features.levels().size(); k++) {
            int channels = features.level(k).channels();
            if (channels != weights.channels(k)) {
                throw OspreyException.badInput("feature map " + FeatureMaps.NAMES.get(k) + " has " + channels
                        + " channels, the mask extractor expects " + weights.channels(k) + " (features from another model?)");
            }
        }
    }

    private static void add(float[] acc, float[] x) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }

    private static float[] flatten(float[][] rows) {
        int width = rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        return flat;
    }
}

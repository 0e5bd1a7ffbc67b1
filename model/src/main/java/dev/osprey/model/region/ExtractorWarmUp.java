package dev.osprey.model.region;

import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.vision.FeatureMap;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic inputs for the {@link MaskExtractor}: random feature maps of a bundle's shapes and
 * elliptical masks; and a warm-up that runs the extractor on them before it serves.
 *
 * <p>Why warm up: the extractor's kernels use the Vector API, which is fast only once the JIT's
 * optimising compiler has compiled them. In a fresh JVM the first 7B-width call took about 475 ms
 * and the next ones 15-95 ms, against about 2 ms when compiled: a service's first question would
 * pay that. A few dozen calls at start-up, over the row (few regions) and the panel (many regions)
 * kernels, compile them.
 */
public final class ExtractorWarmUp {

    /** Calls made by {@link #run}: with one region, then with 16. */
    static final int SINGLE_CALLS = 24;
    static final int BATCH_CALLS = 8;
    private static final int BATCH_REGIONS = 16;
    private static final int HEIGHT = 480;
    private static final int WIDTH = 640;

    private ExtractorWarmUp() {
    }

    /**
     * Runs {@code extractor} on synthetic regions of a 640x480 image over feature maps of the given
     * shapes; returns the calls made.
     *
     * @param levelDims the channels of each level (res2, res3, ...)
     * @param imageSize the vision tower's input side (the first level is a quarter of it)
     */
    public static int run(MaskExtractor extractor, List<Integer> levelDims, int imageSize) {
        SplittableRandom random = new SplittableRandom(7);
        FeatureMaps features = randomFeatures(levelDims, imageSize, random);
        List<BinaryMask> one = ellipses(random, 1, HEIGHT, WIDTH);
        List<BinaryMask> many = ellipses(random, BATCH_REGIONS, HEIGHT, WIDTH);
        for (int i = 0; i < SINGLE_CALLS; i++) {
            extractor.extract(features, one);
        }
        for (int i = 0; i < BATCH_CALLS; i++) {
            extractor.extract(features, many);
        }
        return SINGLE_CALLS + BATCH_CALLS;
    }

    /** Feature maps of the given shapes (level k is imageSize / 4 / 2^k on a side) with values uniform in [-1, 1). */
    public static FeatureMaps randomFeatures(List<Integer> levelDims, int imageSize, SplittableRandom random) {
        int side = imageSize / 4;
        List<FeatureMap> maps = new ArrayList<>();
        for (int k = 0; k < levelDims.size(); k++) {
            int s = side >> k;
            float[] values = new float[levelDims.get(k) * s * s];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextDouble(-1, 1);
            }
            maps.add(new FeatureMap(FeatureMaps.NAMES.get(k), levelDims.get(k), s, s, values));
        }
        return new FeatureMaps(maps);
    }

    /** {@code count} random elliptical masks, each ~4 % of a {@code height x width} image (a typical object). */
    public static List<BinaryMask> ellipses(SplittableRandom random, int count, int height, int width) {
        List<BinaryMask> masks = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            double cy = height * random.nextDouble(0.2, 0.8);
            double cx = width * random.nextDouble(0.2, 0.8);
            double ry = height * random.nextDouble(0.08, 0.16);
            double rx = width * random.nextDouble(0.08, 0.16);
            byte[] pixels = new byte[height * width];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double dy = (y - cy) / ry;
                    double dx = (x - cx) / rx;
                    pixels[y * width + x] = (byte) (dx * dx + dy * dy <= 1 ? 1 : 0);
                }
            }
            masks.add(new BinaryMask(height, width, pixels));
        }
        return masks;
    }
}

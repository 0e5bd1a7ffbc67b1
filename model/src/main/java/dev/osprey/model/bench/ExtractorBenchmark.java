package dev.osprey.model.bench;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.region.FeatureMaps;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.model.vision.FeatureMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The MaskExtractor with a bundle's weights on random feature maps of the bundle's shapes, in the
 * calling thread: milliseconds per call for 1 and 16 elliptical regions (each ~4 % of a 640x480
 * image, a typical object).
 */
public final class ExtractorBenchmark {

    /** @param medianMs median of the timed calls; @param fastestMs the fastest */
    public record Result(int regions, double medianMs, double fastestMs) {
    }

    private ExtractorBenchmark() {
    }

    /** The bundle's extractor weights, loaded as the services load them. */
    public static MaskExtractorWeights load(ModelBundle bundle) {
        try (SafetensorsFile weights = SafetensorsFile.open(bundle.extractorWeights())) {
            return MaskExtractorWeights.load(weights);
        }
    }

    /** Times calls with {@code regions} ellipses on a {@code height x width} image. */
    public static Result run(MaskExtractorWeights weights, ModelBundle bundle, int regions, int height, int width, int runs) {
        MaskExtractor extractor = new MaskExtractor(weights);
        SplittableRandom random = new SplittableRandom(regions);
        FeatureMaps features = randomFeatures(bundle, random);
        List<BinaryMask> masks = ellipses(random, regions, height, width);
        for (int i = 0; i < Math.max(50, runs); i++) {
            extractor.extract(features, masks);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            extractor.extract(features, masks);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return new Result(regions, ms[runs / 2], ms[0]);
    }

    /** Feature maps of the bundle's shapes with values uniform in [-1, 1). */
    public static FeatureMaps randomFeatures(ModelBundle bundle, SplittableRandom random) {
        List<Integer> dims = bundle.manifest().extractor().levelDims();
        int side = bundle.manifest().image().size() / 4;
        List<FeatureMap> maps = new ArrayList<>();
        for (int k = 0; k < dims.size(); k++) {
            int s = side >> k;
            float[] values = new float[dims.get(k) * s * s];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextDouble(-1, 1);
            }
            maps.add(new FeatureMap(FeatureMaps.NAMES.get(k), dims.get(k), s, s, values));
        }
        return new FeatureMaps(maps);
    }

    /** {@code count} random elliptical masks, each ~4 % of a {@code height x width} image. */
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

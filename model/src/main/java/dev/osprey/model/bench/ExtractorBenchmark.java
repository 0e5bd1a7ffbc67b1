package dev.osprey.model.bench;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.region.ExtractorWarmUp;
import dev.osprey.model.region.FeatureMaps;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
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
        List<BinaryMask> masks = ExtractorWarmUp.ellipses(random, regions, height, width);
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
        return ExtractorWarmUp.randomFeatures(bundle.manifest().extractor().levelDims(), bundle.manifest().image().size(), random);
    }
}

package dev.osprey.model.region;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import dev.osprey.model.bench.ExtractorBenchmark;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.mask.BinaryMask;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The warm-up runs the extractor on synthetic inputs of the bundle's shapes, over both kernels. */
class ExtractorWarmUpTest {

    @Test
    void runsTheSingleAndTheBatchCallsOnTheBundlesShapes() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.dir());
        MaskExtractor extractor = new MaskExtractor(ExtractorBenchmark.load(bundle));
        List<Integer> dims = bundle.manifest().extractor().levelDims();

        assertThat(ExtractorWarmUp.run(extractor, dims, bundle.manifest().image().size()))
                .isEqualTo(ExtractorWarmUp.SINGLE_CALLS + ExtractorWarmUp.BATCH_CALLS);
    }

    @Test
    void syntheticInputsHaveTheBundlesShapesAndObjectSizedMasks() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.dir());
        List<Integer> dims = bundle.manifest().extractor().levelDims();
        int size = bundle.manifest().image().size();
        FeatureMaps features = ExtractorWarmUp.randomFeatures(dims, size, new SplittableRandom(1));
        for (int k = 0; k < dims.size(); k++) {
            assertThat(features.level(k).channels()).isEqualTo(dims.get(k));
            assertThat(features.level(k).height()).isEqualTo(size / 4 >> k);
        }
        for (BinaryMask mask : ExtractorWarmUp.ellipses(new SplittableRandom(2), 5, 480, 640)) {
            assertThat(mask.area()).isBetween(480L * 640 / 100, 480L * 640 / 8);
        }
    }
}

package dev.osprey.encoder.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.features.TinyFeatureStore;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrompt;
import dev.osprey.model.sam.auto.AutomaticGoldenCase;
import dev.osprey.model.sam.auto.AutomaticMask;
import dev.osprey.model.sam.auto.AutomaticMasksJson;
import dev.osprey.model.sam.auto.AutomaticParams;
import dev.osprey.model.sam.auto.OutputMode;
import dev.osprey.model.vision.OnnxVisionTower;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The automatic segmenter over the feature store and the golden tiny SAM checkpoint, without gRPC or
 * Spring: the reference's automatic masks, the cached full-image embedding shared with clicks, the
 * cap and the server's bounds.
 */
class SamAutomaticTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));
    private final AtomicInteger runs = new AtomicInteger();
    private final AutomaticGoldenCase golden = AutomaticGoldenCase.all().getFirst();
    private TinyFeatureStore features;
    private SegmentAnything sam;
    private String imageId;
    @TempDir
    Path uploads;

    @BeforeEach
    void start() throws IOException {
        features = TinyFeatureStore.open(tower, new LocalUploadStore(uploads), new StoreLimits(64L << 20, 64L << 20, Duration.ZERO),
                System::nanoTime);
        sam = TinySam.embedded(features.store(), 8L << 20, runs);
        byte[] bytes = Files.readAllBytes(golden.image());
        imageId = ImageId.of(bytes);
        features.store().encode(imageId, bytes);
    }

    @AfterEach
    void close() {
        sam.close();
        features.close();
        tower.close();
    }

    private AutomaticParams params() {
        return AutomaticParams.fromJson(golden.paramsJson());
    }

    @Test
    void theGoldenAutomaticCaseGivesTheReferenceMasks() {
        AutomaticSegmenter.AutomaticSegmentation all = sam.automatic().segmentAll(imageId, params(), 0, () -> false);

        assertThat(new int[] {all.width(), all.height()}).containsExactly(480, 360);
        assertThat(all.found()).isEqualTo(all.masks().size()).isEqualTo(golden.annotations().size());
        golden.assertAnnotationsMatch(JSON.readTree(AutomaticMasksJson.write(all.masks(), OutputMode.COCO_RLE)).get("annotations"));
    }

    @Test
    void theFullImageEmbeddingIsTheCachedOneThatClicksUseAndCropsAreNotKept() {
        assertThat(sam.segmenter().segment(imageId, SamPrompt.of(List.of(new SamPoint(100, 100, 1))), false).embeddingCached()).isFalse();
        assertThat(runs.get()).isOne();

        sam.automatic().segmentAll(imageId, params(), 0, () -> false);
        assertThat(runs.get()).as("the four crops of layer 1 only").isEqualTo(5);
        sam.automatic().segmentAll(imageId, params(), 0, () -> false);
        assertThat(runs.get()).isEqualTo(9);
        assertThat(sam.segmenter().segment(imageId, SamPrompt.of(List.of(new SamPoint(200, 100, 1))), false).embeddingCached()).isTrue();
        assertThat(sam.embeddings().orElseThrow().cache().size()).isOne();
    }

    @Test
    void aCancelledCallStopsBeforeItsNextCropOrBatch() {
        // Cancelled once the first crop of layer 1 is embedded (the whole image was the first embedding).
        assertThatThrownBy(() -> sam.automatic().segmentAll(imageId, params(), 0, () -> runs.get() >= 2))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
        assertThat(runs.get()).as("the whole image and the first crop, no other crop").isEqualTo(2);
    }

    @Test
    void aCapKeepsTheMasksWithTheHighestPredictedIouInTheGeneratorsOrder() {
        List<AutomaticMask> every = sam.automatic().segmentAll(imageId, params(), 0, () -> false).masks();
        AutomaticSegmenter.AutomaticSegmentation capped = sam.automatic().segmentAll(imageId, params(), 3, () -> false);

        assertThat(capped.found()).isEqualTo(every.size()).isGreaterThan(3);
        List<Double> best = every.stream().map(AutomaticMask::predictedIou).sorted((a, b) -> Double.compare(b, a)).limit(3).toList();
        assertThat(capped.masks()).extracting(AutomaticMask::predictedIou).containsExactlyInAnyOrderElementsOf(best);
        assertThat(capped.masks()).extracting(m -> every.stream().map(AutomaticMask::predictedIou).toList().indexOf(m.predictedIou()))
                .isSorted();
    }

    @Test
    void workBeyondTheServersBoundsIsRefusedNamingTheParameter() {
        SegmentLimits limits = TinySam.LIMITS;
        AutomaticParams dense = AutomaticParams.fromJson("{\"points_per_side\": " + (limits.maxPointsPerSide() + 1) + "}");
        AutomaticParams deep = AutomaticParams.fromJson("{\"crop_n_layers\": " + (limits.maxCropLayers() + 1) + "}");

        assertBadInput(() -> sam.automatic().segmentAll(imageId, dense, 0, () -> false), "points_per_side is 65, this server allows at most 64");
        assertBadInput(() -> sam.automatic().segmentAll(imageId, deep, 0, () -> false), "crop_n_layers is 3, this server allows at most 2");
        assertBadInput(() -> sam.automatic().segmentAll(imageId, params(), -1, () -> false), "max_masks must be >= 0");
        assertThat(runs.get()).as("nothing was computed").isZero();
    }

    @Test
    void theCapIsTheDefaultWhenUnsetAndAtMostTheLimit() {
        SegmentLimits limits = new SegmentLimits(5, 20, 64, 2);
        assertThat(limits.cap(0)).isEqualTo(5);
        assertThat(limits.cap(7)).isEqualTo(7);
        assertThat(limits.cap(1000)).isEqualTo(20);
        assertThatThrownBy(() -> new SegmentLimits(5, 4, 64, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertBadInput(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
            assertThat(e.getMessage()).contains(message);
        });
    }
}

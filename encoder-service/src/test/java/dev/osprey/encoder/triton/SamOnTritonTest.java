package dev.osprey.encoder.triton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.features.TinyFeatureStore;
import dev.osprey.encoder.sam.GoldenSamCase;
import dev.osprey.encoder.sam.SamSegmenter;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.encoder.sam.TinySam;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamEncoderGraphBuilder;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.TritonRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SAM's image encoder on Triton, against the KServe v2 test server running the tiny SAM image
 * encoder graph as Triton's ONNX Runtime backend would, with the prompt decoder in process: the same
 * embeddings as in process, the golden masks, readiness and failures that name server and model.
 */
class SamOnTritonTest {

    private static final String MODEL = SamEncoderGraphBuilder.TRITON_MODEL_NAME;
    private static final KserveClient.Retry RETRY = new KserveClient.Retry(3, Duration.ofMillis(10), Duration.ofMillis(40));

    private final OnnxKserveServer server = new OnnxKserveServer(TinyBundle.open().visionModel()).host(MODEL, SamGolden.tinyGraphs().imageEncoder());
    private final AtomicInteger runs = new AtomicInteger();
    private TritonSamImageEncoder triton;
    @TempDir
    Path uploads;

    @AfterEach
    void close() {
        if (triton != null) {
            triton.close();
        }
        server.close();
    }

    private TritonSamImageEncoder connect(String model) {
        triton = new TritonSamImageEncoder(new KserveClient(server.address(), Duration.ofSeconds(60), RETRY), model, TritonRepository.VERSION);
        return triton;
    }

    @Test
    void embeddingsFromTritonAreTheEmbeddedOnes() {
        SamInput input = new SamPreprocessor(SamGolden.tinyGraphs().config()).prepare(new ImageDecoder().decode(GoldenSamCase.imageBytes("s1_img2")));
        SamEmbedding remote = connect(MODEL).embed(input);
        SamEmbedding local;
        try (SamPredictor predictor = SamPredictor.open(SamGolden.tinyGraphs(), 1)) {
            local = predictor.embed(input);
        }

        assertThat(remote.values()).containsExactly(local.values());
        assertThat(new int[] {remote.channels(), remote.originalHeight(), remote.originalWidth(), remote.inputHeight(), remote.inputWidth()})
                .containsExactly(local.channels(), 517, 333, 1024, 660);
        assertThat(server.inferCalls.get()).isOne();
    }

    @Test
    void segmentWithTheImageEncoderOnTritonGivesTheGoldenMasks() {
        try (EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));
                TinyFeatureStore features = TinyFeatureStore.open(tower, new LocalUploadStore(uploads),
                        new StoreLimits(64L << 20, 64L << 20, Duration.ZERO), System::nanoTime);
                SegmentAnything sam = TinySam.over(features.store(), SamPredictor.openDecoder(SamGolden.tinyGraphs(), 1), connect(MODEL), 1, 8L << 20,
                        runs)) {
            for (String name : List.of("s1_img1/box_mm", "s1_img1/box_point", "s1_img0/points_fgbg")) {
                GoldenSamCase golden = GoldenSamCase.read(name);
                byte[] bytes = golden.imageBytes();
                String id = ImageId.of(bytes);
                features.store().encode(id, bytes);
                SamSegmenter.Segmentation segmentation = sam.segmenter().segment(id, golden.prompt(), golden.multimask());
                golden.assertMasks(segmentation.masks().stream().map(SamSegmenter.ScoredMask::mask).toList());
            }
            assertThat(runs.get()).as("one embedding per image").isEqualTo(2);
            assertThat(server.inferCalls.get()).isEqualTo(2);
        }
    }

    @Test
    void readyOnlyWhileServerAndSamModelAre() {
        assertThat(connect(MODEL).ready()).isTrue();
        server.serverReady = false;
        assertThat(triton.ready()).isFalse();
        server.serverReady = true;
        triton.close();
        assertThat(connect("sam_missing").ready()).isFalse();
    }

    @Test
    void aModelTheServerDoesNotHaveFailsNamingServerAndModel() {
        SamInput input = new SamPreprocessor(SamGolden.tinyGraphs().config()).prepare(new ImageDecoder().decode(GoldenSamCase.imageBytes("s1_img0")));
        assertThatThrownBy(() -> connect("sam_missing").embed(input)).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.INTERNAL);
            assertThat(e.getMessage()).contains("Triton at " + server.address()).contains("sam_missing");
        });
    }
}

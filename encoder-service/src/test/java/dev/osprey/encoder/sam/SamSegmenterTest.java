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
import dev.osprey.model.sam.SamBox;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPrompt;
import dev.osprey.model.vision.OnnxVisionTower;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SAM segmenter over a feature store of the tiny bundle and the golden tiny SAM checkpoint, without
 * gRPC or Spring: golden masks for every prompt case, one image encoder run per image, clear errors.
 */
class SamSegmenterTest {

    /** Every golden prompt case without a mask input (the API takes none). */
    static final List<String> CASES = List.of("s1_img0/point1_mm", "s1_img0/point1_single", "s1_img0/points_fgbg", "s1_img1/box",
            "s1_img1/box_mm", "s1_img1/box_point", "s1_img2/point1_mm", "s1_img2/points_mm", "s1_img3/point_edge_mm", "s1_img3/box_points");
    /** Room for all four golden images' tiny embeddings ([32,64,64] float32, 512 KiB each). */
    private static final long ROOMY = 8L << 20;

    private final EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));
    private final AtomicInteger runs = new AtomicInteger();
    private TinyFeatureStore features;
    private SegmentAnything sam;
    @TempDir
    Path uploads;

    @AfterEach
    void close() {
        sam.close();
        features.close();
        tower.close();
    }

    private SamSegmenter start(long cacheBytes) {
        features = TinyFeatureStore.open(tower, new LocalUploadStore(uploads), new StoreLimits(64L << 20, 64L << 20, Duration.ZERO),
                System::nanoTime);
        sam = TinySam.embedded(features.store(), cacheBytes, runs);
        return sam.segmenter();
    }

    private String upload(String scope, String image) {
        byte[] bytes = GoldenSamCase.imageBytes(image);
        String id = ImageId.scoped(scope, ImageId.of(bytes));
        features.store().encode(id, bytes);
        return id;
    }

    @Test
    void everyPromptCaseGivesTheGoldenMasksAndBestIndex() {
        SamSegmenter segmenter = start(ROOMY);
        for (String name : CASES) {
            GoldenSamCase golden = GoldenSamCase.read(name);
            SamSegmenter.Segmentation segmentation = segmenter.segment(upload("", golden.image()), golden.prompt(), golden.multimask());

            assertThat(new int[] {segmentation.width(), segmentation.height()}).as(name).containsExactly(golden.width(), golden.height());
            golden.assertMasks(segmentation.masks().stream().map(SamSegmenter.ScoredMask::mask).toList());
            assertThat(segmentation.bestIndex()).as(name).isEqualTo(golden.bestIndex());
        }
        assertThat(runs.get()).as("one embedding per image").isEqualTo(4);
    }

    @Test
    void manyClicksOnOneImageComputeItsEmbeddingOnce() {
        SamSegmenter segmenter = start(ROOMY);
        String id = upload("", "s1_img0");
        List<Boolean> cached = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            SamPrompt click = SamPrompt.of(List.of(new SamPoint(40 + 45 * i, 30 + 35 * i, SamPoint.FOREGROUND)));
            cached.add(segmenter.segment(id, click, i % 2 == 0).embeddingCached());
        }

        assertThat(runs.get()).isOne();
        assertThat(cached.getFirst()).isFalse();
        assertThat(cached.subList(1, cached.size())).containsOnly(true);
        assertThat(sam.embeddings().orElseThrow().cache().bytes()).isEqualTo(32L * 64 * 64 * Float.BYTES);
    }

    @Test
    void concurrentFirstClicksOnANewImageShareOneEmbedding() throws Exception {
        SamSegmenter segmenter = start(ROOMY);
        String id = upload("", "s1_img1");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<SamSegmenter.Segmentation>> clicks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int x = 100 + 50 * i;
                clicks.add(pool.submit(() -> segmenter.segment(id, SamPrompt.of(List.of(new SamPoint(x, 300, 1))), false)));
            }
            for (Future<SamSegmenter.Segmentation> click : clicks) {
                assertThat(click.get().masks()).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(runs.get()).isOne();
    }

    @Test
    void firstClicksOnManyNewImagesComputeAtMostTheBoundOfEmbeddingsAtOnce() throws Exception {
        features = TinyFeatureStore.open(tower, new LocalUploadStore(uploads), new StoreLimits(64L << 20, 64L << 20, Duration.ZERO),
                System::nanoTime);
        SamPredictor predictor = SamPredictor.open(SamGolden.tinyGraphs(), 1);
        HeldEncoder held = new HeldEncoder(new EmbeddedSamImageEncoder(predictor));
        sam = TinySam.over(features.store(), predictor, held, 2, ROOMY, runs);
        List<String> images = List.of("s1_img0", "s1_img1", "s1_img2", "s1_img3");
        List<String> ids = images.stream().map(image -> upload("", image)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(images.size());
        try {
            List<Future<SamSegmenter.Segmentation>> clicks = new ArrayList<>();
            for (String id : ids) {
                clicks.add(pool.submit(() -> sam.segmenter().segment(id, SamPrompt.of(List.of(new SamPoint(10, 10, 1))), false)));
            }
            SamEmbeddings embeddings = sam.embeddings().orElseThrow();
            long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!(held.inside.get() == 2 && embeddings.queueDepth() == 2) && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(embeddings.queueDepth()).as("embeddings waiting while two run").isEqualTo(2);
            held.release.countDown();
            for (Future<SamSegmenter.Segmentation> click : clicks) {
                assertThat(click.get(1, TimeUnit.MINUTES).masks()).hasSize(1);
            }
        } finally {
            held.release.countDown();
            // The runs end before the session closes after the test (closing it under a run crashes the JVM).
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        assertThat(held.most.get()).as("embeddings computed at once").isEqualTo(2);
        assertThat(runs.get()).isEqualTo(images.size());
    }

    /** An image encoder that holds every run until released, counting the runs at once. */
    private static final class HeldEncoder implements SamImageEncoder {
        private final SamImageEncoder encoder;
        private final AtomicInteger inside = new AtomicInteger();
        private final AtomicInteger most = new AtomicInteger();
        private final CountDownLatch release = new CountDownLatch(1);

        HeldEncoder(SamImageEncoder encoder) {
            this.encoder = encoder;
        }

        @Override
        public SamEmbedding embed(SamInput input) {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                release.await(1, TimeUnit.MINUTES);
                return encoder.embed(input);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public String name() {
            return "held";
        }

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public void close() {
            encoder.close();
        }
    }

    @Test
    void badPromptsAreRejectedNamingWhatIsWrong() {
        SamSegmenter segmenter = start(ROOMY);
        String id = upload("", "s1_img0");
        List<SamPoint> tooMany = Collections.nCopies(SamPrompt.MAX_POINTS + 1, new SamPoint(10, 10, 1));

        assertBadPrompt(segmenter, id, SamPrompt.of(List.of(new SamPoint(640, 10, 1))), "point 0 (640.0, 10.0) is outside the 640x480 image");
        assertBadPrompt(segmenter, id, SamPrompt.of(List.of(new SamPoint(10, -1, 1))), "is outside the 640x480 image");
        assertBadPrompt(segmenter, id, SamPrompt.of(List.of(new SamPoint(10, 10, 0))), "needs at least one foreground point");
        assertBadPrompt(segmenter, id, SamPrompt.of(List.of()), "needs at least one point or a box");
        assertBadPrompt(segmenter, id, SamPrompt.of(tooMany), "at most " + SamPrompt.MAX_POINTS + " points");
        assertBadPrompt(segmenter, id, SamPrompt.of(List.of(new SamPoint(10, 10, 2))), "point 0 has label 2");
        assertBadPrompt(segmenter, id, new SamPrompt(List.of(), new SamBox(50, 50, 10, 60), null), "box [50.0, 50.0, 10.0, 60.0]");
        assertBadPrompt(segmenter, id, SamPrompt.of(List.of(new SamPoint(Double.NaN, 10, 1))), "outside");
        assertThat(runs.get()).as("the embedding is kept for the next, good click").isOne();
    }

    private static void assertBadPrompt(SamSegmenter segmenter, String id, SamPrompt prompt, String message) {
        assertThatThrownBy(() -> segmenter.segment(id, prompt, false)).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void anEvictedEmbeddingIsRecomputedFromTheStoredUpload() {
        // Room for one tiny embedding: clicks alternating between two images recompute each time.
        SamSegmenter segmenter = start(32L * 64 * 64 * Float.BYTES);
        String first = upload("", "s1_img0");
        String second = upload("", "s1_img2");
        SamPrompt click = SamPrompt.of(List.of(new SamPoint(20, 20, 1)));
        for (String id : List.of(first, second, first)) {
            assertThat(segmenter.segment(id, click, false).embeddingCached()).isFalse();
        }

        assertThat(runs.get()).isEqualTo(3);
        assertThat(sam.embeddings().orElseThrow().cache().evictions()).isEqualTo(2);
    }

    @Test
    void forgettingAnImageForgetsItsEmbedding() {
        SamSegmenter segmenter = start(ROOMY);
        String id = upload("", "s1_img0");
        assertThat(segmenter.prepare(id)).isFalse();
        assertThat(segmenter.prepare(id)).isTrue();

        assertThat(features.store().forget(id)).isTrue();

        assertThat(sam.embeddings().orElseThrow().cache().size()).isZero();
        assertThatThrownBy(() -> segmenter.segment(id, SamPrompt.of(List.of(new SamPoint(5, 5, 1))), false))
                .isInstanceOfSatisfying(OspreyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(e.getMessage()).contains("upload the image again");
                });
    }

    @Test
    void tenantsNeitherNameNorShareEachOthersEmbeddings() {
        SamSegmenter segmenter = start(ROOMY);
        String alice = upload("alice", "s1_img0");
        String bobsName = ImageId.scoped("bob", ImageId.of(GoldenSamCase.imageBytes("s1_img0")));
        SamPrompt click = SamPrompt.of(List.of(new SamPoint(100, 100, 1)));
        segmenter.segment(alice, click, false);

        assertThat(bobsName).isNotEqualTo(alice);
        assertThatThrownBy(() -> segmenter.segment(bobsName, click, false)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        String bob = upload("bob", "s1_img0");
        assertThat(segmenter.segment(bob, click, false).embeddingCached()).as("bob's upload gets its own embedding").isFalse();
        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void malformedIdsAreBadInput() {
        SamSegmenter segmenter = start(ROOMY);
        assertThatThrownBy(() -> segmenter.prepare("../etc/passwd")).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT));
    }
}

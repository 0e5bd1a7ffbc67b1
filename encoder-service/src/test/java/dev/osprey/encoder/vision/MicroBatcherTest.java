package dev.osprey.encoder.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.encoder.GoldenImages;
import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.VisionFeatures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Concurrent encodes of different images share one model run (B > 1) and give what single encodes give. */
class MicroBatcherTest {

    static EmbeddedVisionBackend tower;
    static List<float[]> images = new ArrayList<>();

    private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private final BatchListener listener = (size, nanos, failed) -> batchSizes.add(failed ? -size : size);

    @BeforeAll
    static void open() {
        var bundle = TinyBundle.open();
        tower = new EmbeddedVisionBackend(OnnxVisionTower.open(bundle.visionModel(), 1));
        ImagePreprocessor preprocessor = new ImagePreprocessor(bundle.manifest().image());
        for (String caseName : Golden.CASES) {
            images.add(preprocessor.pixelValues(new ImageDecoder().decode(GoldenImages.bytes(caseName))));
        }
    }

    @AfterAll
    static void close() {
        tower.close();
    }

    @Test
    void concurrentEncodesOfDifferentImagesShareOneRunAndEqualSingleEncodes() throws Exception {
        List<VisionFeatures> single = new ArrayList<>();
        for (float[] image : images) {
            single.add(tower.encode(image).getFirst());
        }
        long runsBefore = tower.runs();

        // A long wait: the batch forms once all four images are there.
        List<VisionFeatures> batched = encodeConcurrently(new MicroBatcher(tower, images.getFirst().length, images.size(),
                Duration.ofSeconds(20), listener), images);

        assertThat(tower.runs() - runsBefore).as("one model run").isOne();
        assertThat(batchSizes).containsExactly(images.size());
        for (int i = 0; i < images.size(); i++) {
            List<Tensor> expected = single.get(i).toTensors();
            List<Tensor> actual = batched.get(i).toTensors();
            for (int t = 0; t < expected.size(); t++) {
                // Zero tolerance: batching must not change a single bit.
                Golden.assertClose(Golden.CASES[i] + " " + expected.get(t).name(), actual.get(t).toFloats(), expected.get(t).toFloats(), 0, 0);
            }
        }
    }

    @Test
    void aBatchTakesAtMostMaxSizeImages() throws Exception {
        long runsBefore = tower.runs();
        // The wait bounds how far apart the three submissions may arrive (a busy machine may start threads late) and how long
        // the last, lone image waits for company.
        encodeConcurrently(new MicroBatcher(tower, images.getFirst().length, 2, Duration.ofSeconds(2), listener), images.subList(0, 3));

        assertThat(tower.runs() - runsBefore).isEqualTo(2);
        assertThat(batchSizes).containsExactlyInAnyOrder(2, 1);
    }

    @Test
    void aFailedRunFailsItsImagesAndTheNextBatchRuns() {
        AtomicBoolean fail = new AtomicBoolean(true);
        VisionBackend flaky = new VisionBackend() {
            @Override
            public List<VisionFeatures> encode(float[] pixelValues) {
                if (fail.getAndSet(false)) {
                    throw new OspreyException(Reason.UNAVAILABLE, "Triton at nowhere:1 is unavailable");
                }
                return tower.encode(pixelValues);
            }

            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try (MicroBatcher batcher = new MicroBatcher(flaky, images.getFirst().length, 4, Duration.ZERO, listener)) {
            assertThatThrownBy(() -> batcher.encode(images.getFirst())).isInstanceOfSatisfying(OspreyException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE)).hasMessageContaining("nowhere:1");
            assertThat(batcher.encode(images.getFirst()).res2().channels()).isEqualTo(8);
        }
        assertThat(batchSizes).containsExactly(-1, 1);
    }

    @Test
    void aClosedBatcherRefusesWork() {
        MicroBatcher batcher = new MicroBatcher(tower, images.getFirst().length, 4, Duration.ZERO, listener);
        batcher.close();
        assertThatThrownBy(() -> batcher.encode(images.getFirst())).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE)).hasMessageContaining("shutting down");
    }

    private static List<VisionFeatures> encodeConcurrently(MicroBatcher batcher, List<float[]> pixelValues) throws Exception {
        try (batcher; ExecutorService pool = Executors.newFixedThreadPool(pixelValues.size())) {
            List<Future<VisionFeatures>> results = new ArrayList<>();
            for (float[] image : pixelValues) {
                results.add(pool.submit(() -> batcher.encode(image)));
            }
            List<VisionFeatures> features = new ArrayList<>();
            for (Future<VisionFeatures> result : results) {
                features.add(result.get(60, TimeUnit.SECONDS));
            }
            return features;
        }
    }
}

package dev.osprey.encoder.bench;

import com.google.protobuf.util.JsonFormat;
import dev.osprey.encoder.EncoderServices;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.features.TinyFeatureStore;
import dev.osprey.encoder.sam.EmbeddedSamImageEncoder;
import dev.osprey.encoder.sam.GoldenSamCase;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.encoder.sam.TinySam;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.internal.v1.AutomaticParameters;
import dev.osprey.internal.v1.PromptPoint;
import dev.osprey.internal.v1.SegmentAllRequest;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.sam.SamModelFiles;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.auto.AutomaticGoldenCase;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.service.EncoderChannels;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment Anything through the Segmenter gRPC service on a loopback port, not a test: the name keeps it
 * out of normal runs. The first click on an image (its SAM image embedding, then the prompt decoder),
 * later clicks (the decoder alone, on the cached embedding; one and three masks), and SegmentAll.
 *
 * <pre>
 * ./mvnw -B -o -ntp -pl onnx-proto,proto,model,service-support,encoder-service verify -Dtest=ClickLatencyBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dosprey.bench.bundle=BUNDLE_WITH_SAM] [-Dosprey.bench.clicks=50] \
 *     [-Dosprey.bench.threads=0] [-Dosprey.bench.out=/work/bench/logs/click-latency.txt]
 * </pre>
 * Without {@code osprey.bench.bundle} it measures the golden tiny SAM checkpoint (real 1024-pixel input and
 * 64x64 grid, tiny widths).
 */
class ClickLatencyBenchmark {

    @TempDir
    Path uploads;

    @Test
    void clickLatency() throws Exception {
        String configured = System.getProperty("osprey.bench.bundle");
        SamModelFiles files = configured == null ? SamGolden.tinyGraphs() : ModelBundle.open(Path.of(configured)).sam().orElseThrow();
        int clicks = Integer.getInteger("osprey.bench.clicks", 50);
        int threads = Integer.getInteger("osprey.bench.threads", 0);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "# SAM click latency %s, %s, %d cores, ORT threads %d, %d clicks per row", Instant.now(),
                configured == null ? "golden tiny SAM" : configured, Runtime.getRuntime().availableProcessors(), threads, clicks));
        // Uploads run the tiny bundle's vision tower (a few ms, before any timing): SAM is what is measured.
        try (EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));
                TinyFeatureStore features = TinyFeatureStore.open(tower, new LocalUploadStore(uploads),
                        new StoreLimits(64L << 20, 256L << 20, Duration.ZERO), System::nanoTime)) {
            SamPredictor predictor = SamPredictor.open(files, threads);
            SegmentAnything sam = TinySam.over(features.store(), predictor, new EmbeddedSamImageEncoder(predictor), 1, 256L << 20,
                    new AtomicInteger());
            Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(EncoderServices.segmenter(sam, new SimpleMeterRegistry())).build().start();
            ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + server.getPort(), InsecureChannelCredentials.create())
                    .maxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES).build();
            try {
                SegmenterGrpc.SegmenterBlockingStub stub = SegmenterGrpc.newBlockingStub(channel);
                String warmUp = put(features, GoldenSamCase.imageBytes("s1_img1"));
                stub.segment(click(warmUp, 10, 10, false));
                String image = put(features, GoldenSamCase.imageBytes("s1_img0"));
                long start = System.nanoTime();
                stub.segment(click(image, 320, 240, false));
                lines.add(String.format(Locale.ROOT, "%-36s %8.1f ms", "first click (embedding + decoder)", (System.nanoTime() - start) / 1e6));
                lines.add(clicks(stub, image, clicks, false));
                lines.add(clicks(stub, image, clicks, true));
                // The golden automatic case: its image and parameters (thresholds that random weights pass, one crop layer).
                AutomaticGoldenCase automatic = AutomaticGoldenCase.all().getFirst();
                String objects = put(features, Files.readAllBytes(automatic.image()));
                stub.segment(click(objects, 10, 10, false));
                AutomaticParameters.Builder params = AutomaticParameters.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(automatic.paramsJson(), params);
                start = System.nanoTime();
                int masks = stub.segmentAll(SegmentAllRequest.newBuilder().setImageId(objects).setParams(params).build()).getTotalMasks();
                lines.add(String.format(Locale.ROOT, "%-36s %8.1f ms  (%d masks; 5 crops, 4 of them embedded)", "SegmentAll 480x360, golden case",
                        (System.nanoTime() - start) / 1e6, masks));
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
                sam.close();
            }
        }
        lines.forEach(System.out::println);
        String out = System.getProperty("osprey.bench.out");
        if (out != null) {
            Files.writeString(Path.of(out), String.join("\n", lines) + "\n\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    private static String put(TinyFeatureStore features, byte[] bytes) {
        String id = ImageId.of(bytes);
        features.store().encode(id, bytes);
        return id;
    }

    /** Clicks spread over a 640x480 image, the embedding cached: the prompt decoder, post-processing and RLE, through gRPC. */
    private static String clicks(SegmenterGrpc.SegmenterBlockingStub stub, String image, int count, boolean multimask) {
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            stub.segment(click(image, 13 + (i * 97) % 610, 11 + (i * 53) % 460, multimask));
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return String.format(Locale.ROOT, "%-36s %8.1f ms p50  %8.1f ms p90  %8.1f ms max", multimask ? "later clicks, 3 masks" : "later clicks, 1 mask",
                nanos[count / 2] / 1e6, nanos[count * 9 / 10] / 1e6, nanos[count - 1] / 1e6);
    }

    private static SegmentRequest click(String image, double x, double y, boolean multimask) {
        return SegmentRequest.newBuilder().setImageId(image).setMultimask(multimask)
                .addPoints(PromptPoint.newBuilder().setX(x).setY(y).setLabel(1)).build();
    }
}

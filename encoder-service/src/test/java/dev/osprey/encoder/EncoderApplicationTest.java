package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.osprey.encoder.sam.GoldenSamCase;
import dev.osprey.encoder.sam.TinySam;
import dev.osprey.encoder.uploads.S3Server;
import dev.osprey.encoder.uploads.UploadSweeper;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.PrepareImageRequest;
import dev.osprey.internal.v1.SegmentResponse;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.mask.CocoRle;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.InternalToken;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * The Spring wiring: the application starts on a bundle and serves Encode to callers with the internal
 * token (GetImage and Forget to no one else), Segmenter calls saying that the bundle has no SAM; a bundle
 * with SAM loads it before reporting ready and segments; with an S3 bucket an upload survives a restart;
 * a wrong bundle fails startup clearly.
 */
@ExtendWith(OutputCaptureExtension.class)
class EncoderApplicationTest {

    /** Remembers the port the gRPC server chose. */
    private static final class GrpcPort implements ApplicationListener<GrpcServerStartedEvent> {
        final AtomicInteger port = new AtomicInteger();

        @Override
        public void onApplicationEvent(GrpcServerStartedEvent event) {
            port.set(event.getPort());
        }
    }

    private static final String TOKEN = "encoder-test-internal-token-01234";

    private static ConfigurableApplicationContext run(GrpcPort grpcPort, String bundle, String... more) {
        SpringApplication application = new SpringApplication(EncoderApplication.class);
        application.addListeners(grpcPort);
        List<String> args = new ArrayList<>(List.of("--osprey.model.bundle=" + bundle, "--osprey.model.threads=1", "--server.port=0",
                "--spring.grpc.server.port=0", "--osprey.internal.token=" + TOKEN));
        args.addAll(List.of(more));
        return application.run(args.toArray(String[]::new));
    }

    private static ManagedChannel channel(GrpcPort grpcPort) {
        return Grpc.newChannelBuilder("localhost:" + grpcPort.port.get(), CompositeChannelCredentials.create(
                        InsecureChannelCredentials.create(), InternalToken.of(TOKEN).callCredentials()))
                .maxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES).build();
    }

    @Test
    void startsOnTheTinyBundleReportsReadyAndServesEncode(@TempDir Path uploads) {
        GrpcPort grpcPort = new GrpcPort();
        try (ConfigurableApplicationContext context = run(grpcPort, TinyBundle.dir().toString(), "--osprey.encoder.uploads.dir=" + uploads)) {
            assertThat(context.getBean(ApplicationAvailability.class).getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
            assertThat(context.getBean(VisionBackendHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);

            assertThat(context.getBean(UploadSweeper.class)).as("local uploads expire").isNotNull();
            ManagedChannel channel = channel(grpcPort);
            ManagedChannel bare = Grpc.newChannelBuilder("localhost:" + grpcPort.port.get(), InsecureChannelCredentials.create()).build();
            try {
                EncoderGrpc.EncoderBlockingStub stub = EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
                EncodeResponse encoded = stub.encode(EncodeRequest.newBuilder()
                        .setImage(ByteString.copyFrom(GoldenImages.bytes("s1_img0"))).build());
                assertThat(encoded.getCached()).isFalse();
                assertThat(stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(encoded.getImageId()).build())
                        .getImageEmbeds().getShapeList()).containsExactly(1024L, 64L);

                EncoderGrpc.EncoderBlockingStub unauthenticated = EncoderGrpc.newBlockingStub(bare).withDeadlineAfter(60, TimeUnit.SECONDS);
                for (Runnable call : List.<Runnable>of(
                        () -> unauthenticated.getImage(GetImageRequest.newBuilder().setImageId(encoded.getImageId()).build()),
                        () -> unauthenticated.forget(ForgetRequest.newBuilder().setImageId(encoded.getImageId()).build()))) {
                    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
                }
                assertThat(stub.getImage(GetImageRequest.newBuilder().setImageId(encoded.getImageId()).build()).getImage().size())
                        .as("the image is still there").isEqualTo(GoldenImages.bytes("s1_img0").length);

                // The tiny bundle has no SAM: segmentation says so, the rest serves on.
                assertThat(context.getBean(SegmentAnythingHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
                assertThatThrownBy(() -> SegmenterGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .prepareImage(PrepareImageRequest.newBuilder().setImageId(encoded.getImageId()).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNIMPLEMENTED);
                            assertThat(e.getStatus().getDescription()).contains("has no Segment Anything model");
                        });
            } finally {
                channel.shutdownNow();
                bare.shutdownNow();
            }

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("osprey.cache.requests").tags("cache", "features", "result", "miss").functionCounter().count()).isOne();
            assertThat(meters.get("osprey.cache.requests").tags("cache", "features", "result", "hit").functionCounter().count()).isOne();
            assertThat(meters.get("osprey.encode.batch.size").tag("backend", "embedded").summary().count()).isOne();
            assertThat(meters.get("osprey.encode.images").tags("backend", "embedded", "outcome", "success").counter().count()).isOne();
            assertThat(meters.get("osprey.cache.bytes").tag("cache", "image_bytes").gauge().value()).isPositive();
        }
    }

    @Test
    void withSamInTheBundleLoadsItReportsReadyAndSegmentsForCallersWithTheToken(@TempDir Path uploads) {
        GrpcPort grpcPort = new GrpcPort();
        try (ConfigurableApplicationContext context = run(grpcPort, TinySam.bundle().toString(), "--osprey.encoder.uploads.dir=" + uploads)) {
            assertThat(context.getBean(ApplicationAvailability.class).getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
            Health health = context.getBean(SegmentAnythingHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("sam", "loaded").containsEntry("imageEncoder", "embedded");

            GoldenSamCase golden = GoldenSamCase.read("s1_img0/point1_mm");
            ManagedChannel channel = channel(grpcPort);
            ManagedChannel bare = Grpc.newChannelBuilder("localhost:" + grpcPort.port.get(), InsecureChannelCredentials.create()).build();
            try {
                String id = EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(golden.imageBytes())).build()).getImageId();
                SegmentResponse segmented = SegmenterGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .segment(golden.request(id));
                golden.assertMasks(segmented.getMasksList().stream()
                        .map(m -> CocoRle.decode(m.getRle().getHeight(), m.getRle().getWidth(), m.getRle().getCompressed())).toList());
                assertThatThrownBy(() -> SegmenterGrpc.newBlockingStub(bare).withDeadlineAfter(60, TimeUnit.SECONDS).segment(golden.request(id)))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
            } finally {
                channel.shutdownNow();
                bare.shutdownNow();
            }

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("osprey.segment.duration").tags("rpc", "segment", "outcome", "success").timer().count()).isOne();
            assertThat(meters.get("osprey.sam.embed.duration").tags("backend", "embedded", "outcome", "success").timer().count()).isOne();
            assertThat(meters.get("osprey.cache.requests").tags("cache", "sam_embeddings", "result", "miss").functionCounter().count()).isOne();
        }
    }

    @Test
    void withAnS3BucketAnUploadOutlivesTheApplicationAndIsReencodedFromTheBucketAfterARestart() throws Exception {
        try (S3Server s3 = new S3Server("osprey-uploads")) {
            String[] bucket = {"--osprey.encoder.uploads.backend=s3", "--osprey.encoder.uploads.s3.endpoint=" + s3.endpoint(),
                "--osprey.encoder.uploads.s3.path-style=true", "--osprey.encoder.uploads.s3.access-key=" + S3Server.ACCESS_KEY,
                "--osprey.encoder.uploads.s3.secret-key=" + S3Server.SECRET_KEY};
            byte[] image = GoldenImages.bytes("s1_img3");
            String imageId;
            GrpcPort first = new GrpcPort();
            try (ConfigurableApplicationContext context = run(first, TinyBundle.dir().toString(), bucket)) {
                assertThat(context.getBeansOfType(UploadSweeper.class)).as("the bucket's lifecycle rule expires uploads").isEmpty();
                ManagedChannel channel = channel(first);
                try {
                    imageId = EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                            .encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).build()).getImageId();
                } finally {
                    channel.shutdownNow();
                }
            }
            assertThat(s3.blobs().blobExists("osprey-uploads", "uploads/" + imageId)).isTrue();

            GrpcPort second = new GrpcPort();
            try (ConfigurableApplicationContext context = run(second, TinyBundle.dir().toString(), bucket)) {
                ManagedChannel channel = channel(second);
                try {
                    EncoderGrpc.EncoderBlockingStub stub = EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
                    GoldenImages.assertGolden("s1_img3", stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(imageId).build()),
                            stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(imageId).build()));
                } finally {
                    channel.shutdownNow();
                }
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                assertThat(meters.get("osprey.encode.images").tags("backend", "embedded", "outcome", "success").counter().count())
                        .as("re-encoded from the stored bytes").isOne();
            }
        }
    }

    @Test
    void aWrongBundlePathFailsStartupSayingWhatToFix(CapturedOutput output) {
        String missing = TinyBundle.dir().resolveSibling("no-such-bundle").toString();

        assertThatThrownBy(() -> run(new GrpcPort(), missing)).rootCause().isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_BUNDLE));
        assertThat(output).contains("The model bundle could not be opened: osprey.model.bundle=" + missing)
                .contains("Point osprey.model.bundle at a folder written by `osprey convert`");
    }
}

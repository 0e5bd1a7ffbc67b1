package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.InternalToken;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * The Spring wiring: the application starts on a bundle and serves Encode to callers with the internal token (GetImage
 * and Forget to no one else); a wrong bundle fails startup clearly.
 */
@ExtendWith(OutputCaptureExtension.class)
class EncoderApplicationTest {

    private static final String TOKEN = "encoder-test-internal-token-01234";

    /** Remembers the port the gRPC server chose. */
    private static final class GrpcPort implements ApplicationListener<GrpcServerStartedEvent> {
        final AtomicInteger port = new AtomicInteger();

        @Override
        public void onApplicationEvent(GrpcServerStartedEvent event) {
            port.set(event.getPort());
        }
    }

    private static ConfigurableApplicationContext run(GrpcPort grpcPort, String bundle) {
        SpringApplication application = new SpringApplication(EncoderApplication.class);
        application.addListeners(grpcPort);
        return application.run("--osprey.model.bundle=" + bundle, "--osprey.model.threads=1", "--server.port=0",
                "--spring.grpc.server.port=0", "--osprey.internal.token=" + TOKEN);
    }

    @Test
    void startsOnTheTinyBundleReportsReadyAndServesEncode() {
        GrpcPort grpcPort = new GrpcPort();
        try (ConfigurableApplicationContext context = run(grpcPort, TinyBundle.dir().toString())) {
            assertThat(context.getBean(ApplicationAvailability.class).getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
            assertThat(context.getBean(VisionBackendHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);

            ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + grpcPort.port.get(), CompositeChannelCredentials.create(
                    InsecureChannelCredentials.create(), InternalToken.of(TOKEN).callCredentials()))
                    .maxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES).build();
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
    void aWrongBundlePathFailsStartupSayingWhatToFix(CapturedOutput output) {
        String missing = TinyBundle.dir().resolveSibling("no-such-bundle").toString();

        assertThatThrownBy(() -> run(new GrpcPort(), missing)).rootCause().isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_BUNDLE));
        assertThat(output).contains("The model bundle could not be opened: osprey.model.bundle=" + missing)
                .contains("Point osprey.model.bundle at a folder written by `osprey convert`");
    }
}

package dev.osprey.extractor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.Region;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.model.TinyBundle;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.GrpcErrors;
import dev.osprey.service.InternalAccessException;
import dev.osprey.service.InternalToken;
import dev.osprey.service.PeerChannels;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Spring shell: the application starts on a bundle and serves Extract to callers with the internal token; a wrong
 * bundle, or listening beyond loopback without a token, stops it with a clear message.
 */
@ExtendWith(OutputCaptureExtension.class)
class ExtractorApplicationTest {

    private static final String TOKEN = "extractor-test-internal-token-0123";

    @Test
    void servesExtractFromTheConfiguredBundleOnlyToCallersWithTheInternalToken() throws IOException {
        int grpcPort = freePort();
        ExtractRequest request = ExtractRequest.newBuilder().setImageId("s1_img0")
                .addRegions(Region.newBuilder().setBox(Box.newBuilder().setWidth(20).setHeight(10))).build();
        try (FeatureServer encoder = GoldenEncoder.start();
                ConfigurableApplicationContext app = SpringApplication.run(ExtractorApplication.class,
                        "--server.port=0", "--spring.grpc.server.port=" + grpcPort, "--spring.grpc.server.host=0.0.0.0",
                        "--osprey.internal.token=" + TOKEN, "--osprey.model.bundle=" + TinyBundle.dir(),
                        "--osprey.encoder-client.address=" + encoder.address(), "--osprey.extractor.max-regions=1");
                PeerChannels withToken = new PeerChannels(Optional.of(InternalToken.of(TOKEN)))) {
            ExtractorGrpc.ExtractorBlockingStub admitted = ExtractorGrpc.newBlockingStub(withToken.channel("127.0.0.1:" + grpcPort));
            assertThat(admitted.extract(request).getAreasList()).containsExactly(200L);
            // The settings reach the service: a second region is one over the configured limit.
            assertThatThrownBy(() -> admitted.extract(request.toBuilder().addRegions(request.getRegions(0)).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).isEqualTo("2 regions in one request, the limit is 1"));
            // What the service throws ends the call through the one exception handler every service registers.
            assertThatThrownBy(() -> admitted.extract(request.toBuilder().clearRegions().build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(GrpcErrors.fromStatus(e).reason()).isEqualTo(ErrorReason.BAD_INPUT);
                    });

            ManagedChannel bare = Grpc.newChannelBuilder("127.0.0.1:" + grpcPort, InsecureChannelCredentials.create()).build();
            try {
                ExtractorGrpc.ExtractorBlockingStub stub = ExtractorGrpc.newBlockingStub(bare);
                for (Runnable call : List.<Runnable>of(() -> stub.extract(request),
                        () -> stub.forget(ForgetRequest.newBuilder().setImageId("s1_img0").build()))) {
                    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                }
            } finally {
                bare.shutdownNow();
            }
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutATokenStopsStartupSayingWhatToFix(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(ExtractorApplication.class, "--server.port=0", "--spring.grpc.server.port=0",
                "--spring.grpc.server.host=0.0.0.0", "--osprey.model.bundle=" + TinyBundle.dir()))
                .hasRootCauseInstanceOf(InternalAccessException.class);
        assertThat(output).contains("The internal hops cannot be protected: this backend would listen beyond loopback"
                + " (spring.grpc.server.host=0.0.0.0) without an internal token").contains("osprey.internal.token-file");
    }

    @Test
    void aWrongBundlePathStopsStartupNamingIt(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(ExtractorApplication.class, "--server.port=0", "--spring.grpc.server.port=0",
                "--osprey.model.bundle=/nonexistent/bundle")).hasRootCauseInstanceOf(dev.osprey.model.error.OspreyException.class);
        assertThat(output).contains("The model bundle could not be opened: osprey.model.bundle=/nonexistent/bundle");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

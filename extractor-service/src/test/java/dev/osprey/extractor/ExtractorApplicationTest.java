package dev.osprey.extractor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.Region;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.model.TinyBundle;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** The Spring shell: the application starts on a bundle and serves Extract; a wrong bundle stops it with a clear message. */
@ExtendWith(OutputCaptureExtension.class)
class ExtractorApplicationTest {

    @Test
    void servesExtractFromTheConfiguredBundle() throws IOException {
        int grpcPort = freePort();
        try (FeatureServer encoder = GoldenEncoder.start();
                ConfigurableApplicationContext app = SpringApplication.run(ExtractorApplication.class,
                        "--server.port=0", "--spring.grpc.server.port=" + grpcPort, "--spring.grpc.server.host=127.0.0.1",
                        "--osprey.model.bundle=" + TinyBundle.dir(), "--osprey.encoder.address=" + encoder.address())) {
            ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + grpcPort, InsecureChannelCredentials.create()).build();
            try {
                var response = ExtractorGrpc.newBlockingStub(channel).extract(ExtractRequest.newBuilder().setImageId("s1_img0")
                        .addRegions(Region.newBuilder().setBox(Box.newBuilder().setWidth(20).setHeight(10))).build());
                assertThat(response.getAreasList()).containsExactly(200L);
            } finally {
                channel.shutdownNow();
            }
        }
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

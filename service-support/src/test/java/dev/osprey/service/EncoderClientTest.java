package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageTokens;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client over real loopback gRPC against a small encoder that serves fixed tensors. */
class EncoderClientTest {

    Server server;
    EncoderChannels channels;

    @BeforeEach
    void start() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new EncoderGrpc.EncoderImplBase() {
            @Override
            public void getFeatures(GetFeaturesRequest request, StreamObserver<FeatureMaps> out) {
                if (!request.getImageId().equals("img")) {
                    out.onError(Status.NOT_FOUND.withDescription("image " + request.getImageId() + " is not known").asRuntimeException());
                    return;
                }
                FeatureMaps.Builder maps = FeatureMaps.newBuilder().setImageId("img").setWidth(7).setHeight(5);
                for (int k = 0; k < 4; k++) {
                    maps.addMaps(TensorMessages.floats("res" + (k + 2), new long[] {2, 1, 1}, new float[] {k, -k}));
                }
                out.onNext(maps.build());
                out.onCompleted();
            }

            @Override
            public void getImageTokens(GetImageTokensRequest request, StreamObserver<ImageTokens> out) {
                out.onNext(ImageTokens.newBuilder().setImageEmbeds(TensorMessages.floats("image_embeds", new long[] {2, 2}, new float[] {1, 2, 3, 4})).build());
                out.onCompleted();
            }
        }).build().start();
        channels = new EncoderChannels("127.0.0.1:" + server.getPort());
    }

    @AfterEach
    void stop() {
        channels.close();
        server.shutdownNow();
    }

    @Test
    void fetchesFeaturesAndImageTokens() {
        EncoderClient client = new EncoderClient(channels, Duration.ofSeconds(60));
        EncoderClient.Features features = client.features("", "img");
        assertThat(features.width()).isEqualTo(7);
        assertThat(features.height()).isEqualTo(5);
        assertThat(features.maps().level(3).data()).containsExactly(3, -3);
        assertThat(client.imageTokens("127.0.0.1:" + server.getPort(), "img", 2, 2)).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> client.imageTokens("", "img", 1024, 2)).hasMessageContaining("encoder image_embeds: shape [2, 2] is not [1024, 2]");
    }

    @Test
    void notFoundPassesThroughAndAnUnreachableEncoderIsNamed() throws IOException {
        EncoderClient client = new EncoderClient(channels, Duration.ofSeconds(60));
        assertThatThrownBy(() -> client.features("", "other")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertThatThrownBy(() -> client.features("127.0.0.1:" + closedPort, "img")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).startsWith("encoder-service at 127.0.0.1:" + closedPort + " is unavailable");
        });
    }
}

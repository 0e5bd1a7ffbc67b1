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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client over real loopback gRPC against a small encoder that serves fixed tensors. */
class EncoderClientTest {

    Server server;
    String down;
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
        down = "127.0.0.1:" + closedPort();
        channels = new EncoderChannels("127.0.0.1:" + server.getPort(), Replicas.parse("encoder-service", down, 0), Optional.empty());
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
        assertThat(features.maps().level(3).values()).containsExactly(3, -3);
        assertThat(client.imageTokens("127.0.0.1:" + server.getPort(), "img", 2, 2)).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> client.imageTokens("", "img", 1024, 2)).hasMessageContaining("encoder image_embeds: shape [2, 2] is not [1024, 2]");
    }

    @Test
    void notFoundPassesThroughAndAnUnreachableEncoderIsNamed() {
        EncoderClient client = new EncoderClient(channels, Duration.ofSeconds(60));
        assertThatThrownBy(() -> client.features("", "other")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> client.features(down, "img")).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
            assertThat(e.service()).contains("encoder-service");
            assertThat(e.getMessage()).isEqualTo("encoder-service at " + down + " is unavailable");
        });
    }

    @Test
    void anEncoderOutsideTheReplicasIsRefusedWithoutAConnection() throws IOException {
        EncoderClient client = new EncoderClient(channels, Duration.ofSeconds(10));
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String elsewhere = "127.0.0.1:" + listener.getLocalPort();
            assertThatThrownBy(() -> client.features(elsewhere, "img")).isInstanceOfSatisfying(ServiceException.class, e -> {
                assertThat(e.reason()).isEqualTo(ErrorReason.PERMISSION_DENIED);
                assertThat(e.getMessage()).startsWith("encoder_address is not a configured encoder replica");
            });
            assertThatThrownBy(() -> client.requireKnown(elsewhere)).isInstanceOf(ServiceException.class);
            assertThat(firstConnection(listener)).as("the first connection the listener saw is our own probe").isTrue();
        }
    }

    /**
     * Whether the first connection waiting on {@code listener} is a probe made now: had anything
     * connected before, its connection would be accepted first.
     */
    static boolean firstConnection(ServerSocket listener) throws IOException {
        try (Socket probe = new Socket(listener.getInetAddress(), listener.getLocalPort())) {
            listener.setSoTimeout(30_000);
            try (Socket first = listener.accept()) {
                return first.getPort() == probe.getLocalPort();
            }
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

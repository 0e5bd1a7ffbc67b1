package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.model.error.OspreyException;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A Spring application with this module, as every service is: a service method that throws ends its call with our status,
 * and the gRPC server metrics record that status, and a call its caller gave up on as CANCELLED.
 */
class GrpcErrorsAutoConfigurationTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ThrowingService {

        @Bean
        BindableService encoder() {
            return new EncoderGrpc.EncoderImplBase() {
                @Override
                public void getFeatures(GetFeaturesRequest request, StreamObserver<FeatureMaps> responses) {
                    throw OspreyException.badInput("image_id: '" + request.getImageId() + "' is not an image id");
                }

                @Override
                public void getImageTokens(GetImageTokensRequest request, StreamObserver<ImageTokens> responses) {
                    // Never answers: the caller's deadline ends the call.
                }
            };
        }
    }

    @Test
    void aServiceMethodThatThrowsEndsItsCallWithTheStatusAndReasonOfGrpcErrors() throws IOException {
        int port = freePort();
        try (ConfigurableApplicationContext app = SpringApplication.run(ThrowingService.class, "--spring.main.web-application-type=none",
                "--spring.grpc.server.port=" + port, "--spring.grpc.server.host=127.0.0.1")) {
            ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
            try {
                GetFeaturesRequest request = GetFeaturesRequest.newBuilder().setImageId("x").build();
                assertThatThrownBy(() -> EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).getFeatures(request))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getStatus().getDescription()).isEqualTo("image_id: 'x' is not an image id");
                            assertThat(GrpcErrors.fromStatus(e).reason()).isEqualTo(ErrorReason.BAD_INPUT);
                        });
                assertThatThrownBy(() -> EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                        .getImageTokens(GetImageTokensRequest.newBuilder().setImageId("x").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.DEADLINE_EXCEEDED));

                // The server's metrics: the mapped status of the failure, and the call its caller gave up on as CANCELLED.
                MeterRegistry meters = app.getBean(MeterRegistry.class);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(calls(meters, "GetFeatures", "INVALID_ARGUMENT")).isEqualTo(1);
                    assertThat(calls(meters, "GetImageTokens", "CANCELLED")).isEqualTo(1);
                });
                assertThat(meters.find("grpc.server").tag("grpc.status_code", "UNKNOWN").timers()).isEmpty();
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static long calls(MeterRegistry meters, String method, String status) {
        return meters.find("grpc.server").tag("rpc.method", method).tag("grpc.status_code", status).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.ForgetResponse;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.ImageBytes;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A loopback gRPC server guarded as backends are: only calls with the token reach the handlers, the
 * others end with our ErrorInfo (reason UNAUTHENTICATED) as every service failure does; health stays open.
 */
class InternalTokenInterceptorTest {

    private static final String SECRET = "s3cret-internal-token-0123456789";

    final AtomicInteger handled = new AtomicInteger();
    Server server;
    ManagedChannel bare;

    @BeforeEach
    void start() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new EncoderGrpc.EncoderImplBase() {
                    @Override
                    public void forget(ForgetRequest request, StreamObserver<ForgetResponse> out) {
                        handled.incrementAndGet();
                        out.onNext(ForgetResponse.newBuilder().setForgotten(true).build());
                        out.onCompleted();
                    }

                    @Override
                    public void getImage(GetImageRequest request, StreamObserver<ImageBytes> out) {
                        handled.incrementAndGet();
                        out.onNext(ImageBytes.getDefaultInstance());
                        out.onCompleted();
                    }
                })
                .addService(new HealthStatusManager().getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .intercept(new InternalTokenInterceptor(InternalToken.of(SECRET)))
                .build().start();
        bare = Grpc.newChannelBuilder(address(), InsecureChannelCredentials.create()).build();
    }

    @AfterEach
    void stop() {
        bare.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void callsWithTheTokenAreServed() {
        try (PeerChannels channels = new PeerChannels(Optional.of(InternalToken.of(SECRET)))) {
            EncoderGrpc.EncoderBlockingStub encoder = stub(channels.channel(address()));
            assertThat(encoder.forget(ForgetRequest.newBuilder().setImageId("a").build()).getForgotten()).isTrue();
            encoder.getImage(GetImageRequest.newBuilder().setImageId("a").build());
            assertThat(reflection(channels.channel(address()))).isEqualTo(Status.Code.OK);
        }
        assertThat(handled).hasValue(2);
    }

    @Test
    void callsWithoutTheTokenAreUnauthenticatedByReasonAndNeverHandled() {
        assertRefused(bare, "internal token missing");
        assertThat(reflection(bare)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(handled).hasValue(0);
    }

    @Test
    void callsWithAnotherTokenAreUnauthenticatedWithoutLearningTheRightOne() {
        try (PeerChannels channels = new PeerChannels(Optional.of(InternalToken.of(SECRET.replace('0', '1'))))) {
            assertRefused(channels.channel(address()), "internal token invalid");
        }
        assertThat(handled).hasValue(0);
    }

    @Test
    void theHealthCheckNeedsNoToken() {
        assertThat(HealthGrpc.newBlockingStub(bare).withDeadlineAfter(30, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    private void assertRefused(ManagedChannel channel, String message) {
        for (Consumer<EncoderGrpc.EncoderBlockingStub> call : List.<Consumer<EncoderGrpc.EncoderBlockingStub>>of(
                s -> s.forget(ForgetRequest.newBuilder().setImageId("a").build()),
                s -> s.getImage(GetImageRequest.newBuilder().setImageId("a").build()))) {
            assertThatThrownBy(() -> call.accept(stub(channel))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).isEqualTo(message);
                assertThat(errorInfo(e)).isEqualTo(ErrorInfo.newBuilder().setReason(ErrorReason.UNAUTHENTICATED.name())
                        .setDomain(GrpcErrors.DOMAIN).build());
            });
        }
    }

    // The ErrorInfo the status details carry: a refusal read by its code alone would pass an assertion on the reason.
    private static ErrorInfo errorInfo(StatusRuntimeException refusal) {
        com.google.rpc.Status details = StatusProto.fromThrowable(refusal);
        assertThat(details).as("status details").isNotNull();
        assertThat(details.getDetailsList()).singleElement().satisfies(detail -> assertThat(detail.is(ErrorInfo.class)).isTrue());
        try {
            return details.getDetails(0).unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private String address() {
        return "127.0.0.1:" + server.getPort();
    }

    private static EncoderGrpc.EncoderBlockingStub stub(ManagedChannel channel) {
        return EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    // The status a reflection listing ends with.
    private static Status.Code reflection(ManagedChannel channel) {
        CompletableFuture<Status.Code> outcome = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        outcome.complete(Status.fromThrowable(t).getCode());
                    }

                    @Override
                    public void onCompleted() {
                        outcome.complete(Status.Code.OK);
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        return outcome.join();
    }
}

package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A service method that throws, behind Spring gRPC's exception interceptor with our handler, as every
 * service runs: the caller gets the status and ErrorInfo of {@link GrpcErrors}, and reads the failure
 * back by type.
 */
class GrpcErrorHandlerTest {

    private static final int CALLS_AT_ONCE = 16;

    private Server server;
    private ManagedChannel channel;
    private volatile Consumer<StreamObserver<FeatureMaps>> answer;

    @BeforeEach
    void start() throws IOException {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(GrpcErrorHandler.handling(encoder())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    private EncoderGrpc.EncoderImplBase encoder() {
        return new EncoderGrpc.EncoderImplBase() {
            @Override
            public void getFeatures(GetFeaturesRequest request, StreamObserver<FeatureMaps> responses) {
                answer.accept(responses);
            }
        };
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void aModelErrorArrivesWithItsCodeMessageAndReason() {
        answer = responses -> {
            throw new OspreyException(Reason.NOT_FOUND, "image x is not known: upload the image again");
        };
        StatusRuntimeException failure = call();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        ServiceException read = GrpcErrors.fromStatus(failure);
        assertThat(read.reason()).isEqualTo(ErrorReason.NOT_FOUND);
        assertThat(read.getMessage()).isEqualTo("image x is not known: upload the image again");
    }

    @Test
    void anUnavailablePeerIsReadBackByTheServiceItNamesWhateverTheMessageSays() {
        answer = responses -> {
            throw new ServiceException(ErrorReason.UNAVAILABLE, "encoder-service", "the features could not be fetched", null);
        };
        ServiceException read = GrpcErrors.fromStatus(call());
        assertThat(read.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
        assertThat(read.service()).contains("encoder-service");
    }

    @Test
    void aBugIsInternalWithoutItsMessage() {
        answer = responses -> {
            throw new IllegalStateException("a secret detail");
        };
        StatusRuntimeException failure = call();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(failure.getStatus().getDescription()).isEqualTo("internal error");
        assertThat(GrpcErrors.fromStatus(failure).reason()).isEqualTo(ErrorReason.INTERNAL);
    }

    @Test
    void oneFailureEndingManyCallsAtOnceOverTheNetworkReachesEachOfThem() throws Exception {
        // A failed load that many requests waited on: their calls end at once, with the same exception.
        StatusRuntimeException shared = GrpcErrors.toStatus(ServiceException.unavailable("encoder-service", null));
        CyclicBarrier together = new CyclicBarrier(CALLS_AT_ONCE);
        answer = responses -> {
            try {
                together.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            throw shared;
        };
        Server network = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(GrpcErrorHandler.handling(encoder())).build().start();
        ManagedChannel remote = Grpc.newChannelBuilderForAddress("127.0.0.1", network.getPort(), InsecureChannelCredentials.create()).build();
        ExecutorService callers = Executors.newFixedThreadPool(CALLS_AT_ONCE);
        try {
            for (int round = 0; round < 20; round++) {
                List<Future<StatusRuntimeException>> calls = new ArrayList<>();
                for (int i = 0; i < CALLS_AT_ONCE; i++) {
                    calls.add(callers.submit(() -> call(remote)));
                }
                for (Future<StatusRuntimeException> call : calls) {
                    ServiceException read = GrpcErrors.fromStatus(call.get(60, TimeUnit.SECONDS));
                    assertThat(read.reason()).as(read.getMessage()).isEqualTo(ErrorReason.UNAVAILABLE);
                    assertThat(read.service()).contains("encoder-service");
                }
            }
        } finally {
            callers.shutdownNow();
            remote.shutdownNow();
            network.shutdownNow();
        }
    }

    private StatusRuntimeException call() {
        return call(channel);
    }

    private StatusRuntimeException call(ManagedChannel channel) {
        try {
            EncoderGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).getFeatures(GetFeaturesRequest.newBuilder().setImageId("x").build());
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }
}

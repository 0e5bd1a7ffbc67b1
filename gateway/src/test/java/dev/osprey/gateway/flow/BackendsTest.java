package dev.osprey.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.EncoderGrpc.EncoderStub;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.InternalToken;
import dev.osprey.service.InternalTokenInterceptor;
import dev.osprey.service.Replicas;
import dev.osprey.service.ServiceException;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Which replica a call about an image goes to, and how a backend that refuses the gateway itself is reported. */
class BackendsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void callsAboutAnImageGoToItsOwnersAndTheOtherEncodersAreListedInOrder() throws InterruptedException {
        try (StandInBackends standIns = new StandInBackends(3)) {
            Backends backends = standIns.backends();
            for (String imageId : List.of("a".repeat(64), "b".repeat(64), "c".repeat(64))) {
                Backends.Replica<EncoderStub> owner = backends.encoder(imageId);
                assertThat(owner.address()).isEqualTo(standIns.owner(imageId));
                assertThat(owner.service()).isEqualTo("encoder-service");
                assertThat(backends.otherEncoders(owner)).extracting(Backends.Replica::address)
                        .containsExactlyElementsOf(standIns.encoders().stream().filter(address -> !address.equals(owner.address())).toList());
                assertThat(backends.extractor(imageId).address()).isEqualTo(StandInBackends.EXTRACTOR);
                assertThat(backends.llm(imageId).service()).isEqualTo("llm-service");
            }
        }
    }

    @Test
    void aBackendRefusingTheGatewaysInternalTokenIsUnavailableNamingTheSettingNotAClientsError() throws IOException, InterruptedException {
        AtomicInteger encodes = new AtomicInteger();
        String name = InProcessServerBuilder.generateName();
        Server encoder = InProcessServerBuilder.forName(name).addService(new EncoderGrpc.EncoderImplBase() {
            @Override
            public void encode(EncodeRequest request, StreamObserver<EncodeResponse> responses) {
                encodes.incrementAndGet();
            }
        }).intercept(new InternalTokenInterceptor(InternalToken.of("backends-test-internal-token"))).build().start();
        ManagedChannel withoutToken = InProcessChannelBuilder.forName(name).build();
        try {
            Backends backends = new Backends(address -> withoutToken, Replicas.parse("encoder-service", "encoder-1", 60_000),
                    Replicas.parse("extractor-service", "extractor", 60_000), Replicas.parse("llm-service", "llm", 60_000));
            EncodeRequest request = EncodeRequest.newBuilder().setImage(ByteString.copyFromUtf8("an image")).build();
            Deadline deadline = Deadline.after(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

            StepVerifier.create(backends.encoder("a".repeat(64)).unary(EncoderStub::encode, request, deadline))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(ServiceException.class, refused -> {
                        assertThat(refused.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
                        assertThat(refused.getMessage()).isEqualTo("encoder-service is unavailable");
                        assertThat(refused.getCause()).hasMessageContaining("encoder-service at encoder-1 refused the gateway:"
                                + " UNAUTHENTICATED internal token missing").hasMessageContaining("osprey.internal.token");
                    })).verify(PATIENCE);
            assertThat(encodes).hasValue(0);
        } finally {
            withoutToken.shutdownNow();
            encoder.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}

package dev.osprey.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.TextPiece;
import dev.osprey.gateway.TestPorts;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.GrpcErrorHandler;
import dev.osprey.service.PeerChannels;
import dev.osprey.service.Replicas;
import dev.osprey.service.ServiceException;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backends that restart, refuse the gateway, run out of time or never answer: real gRPC servers on
 * fixed loopback ports, stopped and started again, and the gateway's flows over the channels it keeps
 * to them.
 */
class BackendFailuresTest {

    /** The question deadline (osprey.gateway.limits.deadline): long enough for an answer on a busy machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final PeerChannels channels = new PeerChannels(java.util.Optional.empty());
    private final int encoderPort = TestPorts.free();
    private final int llmPort = TestPorts.free();
    private final AtomicInteger generations = new AtomicInteger();
    private RegionAsks asks;
    private Server encoder;
    private Server llm;

    @BeforeEach
    void wire() {
        Backends backends = new Backends(channels::channel, Replicas.parse("encoder-service", "127.0.0.1:" + encoderPort, 10_000),
                Replicas.parse("extractor-service", "127.0.0.1:" + TestPorts.free(), 10_000),
                Replicas.parse("llm-service", "127.0.0.1:" + llmPort, 10_000));
        asks = new RegionAsks(backends, new Segmentations(backends),
                new AskLimits(1 << 20, 16, 4000, 16, 1024, false, 16, DEADLINE, Duration.ofSeconds(60)), true);
    }

    @AfterEach
    void stop() {
        for (Server server : new Server[] {encoder, llm}) {
            if (server != null) {
                server.shutdownNow();
            }
        }
        channels.close();
    }

    @Test
    void theFirstUploadAfterTheEncoderRestartedSucceeds() throws Exception {
        ByteString image = ByteString.copyFromUtf8("an image");
        encoder = startEncoder();
        assertThat(asks.upload(Tenant.SHARED, image).block().getImageId()).isEqualTo(ImageId.of(image.asReadOnlyByteBuffer()));

        encoder.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> asks.upload(Tenant.SHARED, image).block()).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
            assertThat(e.getMessage()).isEqualTo("encoder-service is unavailable");
            assertThat(e.getCause()).hasMessageContaining("encoder-service at 127.0.0.1:" + encoderPort);
        });
        // The channel now waits out its reconnect backoff: a call would fail fast without trying.
        await().atMost(Duration.ofSeconds(30)).until(() -> channels.channel("127.0.0.1:" + encoderPort).getState(false)
                == ConnectivityState.TRANSIENT_FAILURE);

        encoder = startEncoder();
        assertThat(asks.upload(Tenant.SHARED, image).block().getImageId()).isEqualTo(ImageId.of(image.asReadOnlyByteBuffer()));
    }

    @Test
    void anUploadSucceedsNotWarmingWhenItsLlmServiceIsDown() {
        encoder = startEncoder();
        assertThat(asks.upload(Tenant.SHARED, ByteString.copyFromUtf8("an image")).block().getWarming()).isFalse();
    }

    @Test
    void aGenerationIsRetriedOnlyBeforeItsFirstToken() {
        llm = start(llmPort, new LlmGrpc.LlmImplBase() {
            @Override
            public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
                if (generations.incrementAndGet() == 1 || request.getPrompt().equals("fails after a token")) {
                    if (request.getPrompt().equals("fails after a token")) {
                        responses.onNext(AnswerEvent.newBuilder().setPiece(TextPiece.newBuilder().setText("Half")).build());
                    }
                    responses.onError(Status.UNAVAILABLE.withDescription("going away").asRuntimeException());
                    return;
                }
                responses.onNext(AnswerEvent.newBuilder().setPiece(TextPiece.newBuilder().setText("Whole")).build());
                responses.onCompleted();
            }
        });
        assertThat(asks.ask(Tenant.SHARED, prompt("fails at first")).map(e -> e.getPiece().getText()).collectList().block()).containsExactly("Whole");
        assertThat(generations).hasValue(2);

        generations.set(0);
        assertThatThrownBy(() -> asks.ask(Tenant.SHARED, prompt("fails after a token")).blockLast()).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.getMessage()).isEqualTo("llm-service is unavailable"));
        assertThat(generations).as("a stream that answered is not asked again").hasValue(1);
    }

    @Test
    void aBackendsFailureIsClassifiedByTheReasonAndServiceOfItsErrorInfoNeverByItsText() {
        llm = start(llmPort, new LlmGrpc.LlmImplBase() {
            @Override
            public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
                switch (request.getPrompt()) {
                    // As the llm-service's encoder client fails, in words no text matching could read a service from.
                    case "encoder down" -> throw new ServiceException(ErrorReason.UNAVAILABLE, "encoder-service",
                            "the image tokens could not be fetched", null);
                    case "bad" -> throw OspreyException.badInput("prompt: mask 2 is never referred to");
                    // No details: whatever the text says, the backend that was called is the one unavailable.
                    default -> responses.onError(Status.UNAVAILABLE.withDescription("encoder-service at 127.0.0.1:1 is unavailable")
                            .asRuntimeException());
                }
            }
        });
        assertThatThrownBy(() -> asks.ask(Tenant.SHARED, prompt("encoder down")).blockLast())
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
                    assertThat(e.getMessage()).isEqualTo("encoder-service is unavailable");
                    assertThat(e.getCause()).hasMessageContaining("llm-service at 127.0.0.1:" + llmPort);
                });
        assertThatThrownBy(() -> asks.ask(Tenant.SHARED, prompt("no details")).blockLast()).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.getMessage()).isEqualTo("llm-service is unavailable"));
        assertThatThrownBy(() -> asks.ask(Tenant.SHARED, prompt("bad")).blockLast()).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.BAD_INPUT);
            assertThat(e.getMessage()).isEqualTo("prompt: mask 2 is never referred to");
        });
    }

    @Test
    void aBackendRefusingTheGatewaysCredentialsIsUnavailableNotTheClientsKey() {
        encoder = start(encoderPort, new EncoderGrpc.EncoderImplBase() {
            @Override
            public void encode(EncodeRequest request, StreamObserver<EncodeResponse> responses) {
                responses.onError(Status.UNAUTHENTICATED.withDescription("internal token invalid").asRuntimeException());
            }
        });
        assertThatThrownBy(() -> asks.upload(Tenant.SHARED, ByteString.copyFromUtf8("an image")).block())
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
                    assertThat(e.getMessage()).isEqualTo("encoder-service is unavailable");
                    assertThat(e.getCause()).hasMessageContaining("refused the gateway: UNAUTHENTICATED internal token invalid");
                });
    }

    @Test
    void aBackendOutOfTimeIsADeadlineThatNamesNoAddress() {
        llm = start(llmPort, new LlmGrpc.LlmImplBase() {
            @Override
            public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
                responses.onError((request.getPrompt().equals("reset") ? Status.CANCELLED.withDescription("RPC cancelled")
                        : Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded, remote_addr=127.0.0.1:" + llmPort)).asRuntimeException());
            }
        });
        for (String text : new String[] {"reset", "late"}) {
            assertThatThrownBy(() -> asks.ask(Tenant.SHARED, prompt(text)).blockLast()).isInstanceOfSatisfying(ServiceException.class, e -> {
                assertThat(e.reason()).isEqualTo(ErrorReason.DEADLINE_EXCEEDED);
                assertThat(e.getMessage()).isEqualTo("llm-service did not answer in time");
            });
        }
    }

    @Test
    void aQuestionIsAnsweredWithinItsDeadlineAndEndsAtItOtherwise() {
        llm = start(llmPort, new LlmGrpc.LlmImplBase() {
            @Override
            public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
                if (request.getPrompt().equals("answer")) {
                    responses.onNext(AnswerEvent.newBuilder().setPiece(TextPiece.newBuilder().setText("Whole")).build());
                    responses.onCompleted();
                }
                // Otherwise never answers: only the deadline ends the call.
            }
        });
        assertThat(asks.ask(Tenant.SHARED, prompt("answer")).map(e -> e.getPiece().getText()).collectList().block()).containsExactly("Whole");

        long start = System.nanoTime();
        assertThatThrownBy(() -> asks.ask(Tenant.SHARED, prompt("never")).blockLast()).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.reason()).isEqualTo(ErrorReason.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended by the deadline, not sooner").isGreaterThanOrEqualTo(DEADLINE);
    }

    private static AskRequest prompt(String text) {
        return AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId("ab".repeat(32))).setPrompt(text).build();
    }

    private Server startEncoder() {
        return start(encoderPort, new EncoderGrpc.EncoderImplBase() {
            @Override
            public void encode(EncodeRequest request, StreamObserver<EncodeResponse> responses) {
                responses.onNext(EncodeResponse.newBuilder().setImageId(ImageId.of(request.getImage().asReadOnlyByteBuffer()))
                        .setWidth(1).setHeight(1).build());
                responses.onCompleted();
            }
        });
    }

    private static Server start(int port, io.grpc.BindableService service) {
        try {
            // Behind the exception handler every backend has, so that what a stand-in throws ends its call as it would there.
            return Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create()).addService(GrpcErrorHandler.handling(service))
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.osprey.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.LlmGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A server-streaming gRPC call as a Flux, against a real in-process server: each message an element,
 * the status the end; nothing sent before subscription; a subscriber that goes away cancels the call.
 */
class GrpcReactiveTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private Server server;
    private ManagedChannel channel;

    /** Answers prompt "3" with three pieces, "fail" with RESOURCE_EXHAUSTED, "endless" with a piece and never an end. */
    @BeforeEach
    void start() throws IOException {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(new LlmGrpc.LlmImplBase() {
            @Override
            public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
                calls.incrementAndGet();
                ((ServerCallStreamObserver<AnswerEvent>) responses).setOnCancelHandler(cancelled::countDown);
                switch (request.getPrompt()) {
                    case "3" -> {
                        for (int i = 0; i < 3; i++) {
                            responses.onNext(StandInBackends.piece(i, "piece " + i));
                        }
                        responses.onCompleted();
                    }
                    case "fail" -> responses.onError(Status.RESOURCE_EXHAUSTED.withDescription("queue full").asRuntimeException());
                    default -> responses.onNext(StandInBackends.piece(0, "more to come"));
                }
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    }

    @Test
    void aCancelThatThrowsStillLetsTheErrorThatCancelledItThrough() {
        ClientCallStreamObserver<Object> refusing = new ClientCallStreamObserver<>() {
            @Override
            public void cancel(String message, Throwable cause) {
                throw new NullPointerException("a transport's race");
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setOnReadyHandler(Runnable onReadyHandler) {
            }

            @Override
            public void request(int count) {
            }

            @Override
            public void setMessageCompression(boolean enable) {
            }

            @Override
            public void disableAutoInboundFlowControl() {
            }

            @Override
            public void onNext(Object value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
        @SuppressWarnings("unchecked")
        Flux<AnswerEvent> pending = GrpcReactive.stream(responses -> ((ClientResponseObserver<Object, AnswerEvent>) responses).beforeStart(refusing));
        // A sibling's error cancels the pending call, whose cancel throws: the error still arrives.
        StepVerifier.create(Flux.merge(pending, Flux.error(new IllegalStateException("sibling failed"))))
                .expectErrorMessage("sibling failed").verify(PATIENCE);
    }

    @Test
    void eachMessageIsAnElementAndTheCallsEndCompletes() {
        StepVerifier.create(generate("3").map(event -> event.getPiece().getText()))
                .expectNext("piece 0", "piece 1", "piece 2").expectComplete().verify(PATIENCE);
    }

    @Test
    void aFailedCallIsTheFluxsErrorWithItsStatus() {
        StepVerifier.create(generate("fail")).expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(StatusRuntimeException.class,
                failure -> {
                    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(failure.getStatus().getDescription()).isEqualTo("queue full");
                })).verify(PATIENCE);
    }

    @Test
    void nothingIsSentUntilSubscriptionAndEachSubscriptionIsACall() {
        Flux<AnswerEvent> answers = generate("3");
        assertThat(calls).as("assembled, not subscribed").hasValue(0);

        StepVerifier.create(answers).expectNextCount(3).expectComplete().verify(PATIENCE);
        StepVerifier.create(answers).expectNextCount(3).expectComplete().verify(PATIENCE);
        assertThat(calls).hasValue(2);
    }

    @Test
    void aSubscriberThatCancelsCancelsTheCall() throws InterruptedException {
        StepVerifier.create(generate("endless")).expectNextCount(1).thenCancel().verify(PATIENCE);

        assertThat(cancelled.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the server saw the call cancelled").isTrue();
    }

    @Test
    void takingFewerElementsThanTheCallSendsCancelsTheRest() throws InterruptedException {
        StepVerifier.create(generate("endless").take(1)).expectNextCount(1).expectComplete().verify(PATIENCE);

        assertThat(cancelled.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the server saw the call cancelled").isTrue();
    }

    private Flux<AnswerEvent> generate(String prompt) {
        GenerateRequest request = GenerateRequest.newBuilder().setPrompt(prompt).build();
        return GrpcReactive.stream(responses -> LlmGrpc.newStub(channel).generate(request, responses));
    }
}

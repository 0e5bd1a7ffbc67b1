package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Sampling;
import dev.osprey.internal.v1.GenerateRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bounded admission, cancellation and deadlines: a full service refuses at once, and a call that the
 * client cancels or whose deadline passes stops generating within one decoder step and frees its slot.
 */
class LlmGrpcServiceAdmissionTest {

    // Far more tokens than the test waits for: random sampling over the whole vocabulary rarely ends early.
    private static final int LONG = 900;

    GoldenImage image = GoldenImage.read("s1_img2");
    LlmServer server;

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aFullServiceRefusesAtOnceAndACancelledGenerationFreesItsSlotWithinOneStep() throws Exception {
        server = new LlmServer(1, 0, image);
        Context.CancellableContext call = generatingLong();

        assertThatThrownBy(() -> server.stub().generate(request(4)).next())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("1 generating and 0 waiting");
                });

        call.cancel(null);
        await().atMost(Duration.ofMinutes(1)).until(() -> server.queue.running() == 0);
        assertStoppedWithinOneStep();

        Streamed next = Streamed.collect(server.stub().generate(request(4)));
        assertThat(next.finished.get(0).getReason()).isEqualTo(FinishReason.FINISH_REASON_LENGTH);
        assertThat(next.outputIds(0)).hasSize(4);
        assertThat(server.registry.get("osprey.generate.rejected").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void anExpiredDeadlineStopsGenerationWithinOneStepAndFreesTheSlot() {
        server = new LlmServer(1, 0, image);
        // A first call warms the sessions and the prefix cache, so that the next one is generating well within its deadline.
        Streamed.collect(server.stub().generate(request(4)));
        long runsBefore = server.chat.decoderRuns();
        // Short on purpose, the deadline is the subject: under the ~1 s the LONG answer takes on the tiny model, far over the
        // few ms the warmed call needs to its first piece.
        Iterator<AnswerEvent> events = server.stub().withDeadlineAfter(500, TimeUnit.MILLISECONDS).generate(request(LONG));
        assertThat(events.next().hasPiece()).as("generating before the deadline").isTrue();
        assertThatThrownBy(() -> events.forEachRemaining(event -> { }))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        await().atMost(Duration.ofMinutes(1)).until(() -> server.queue.running() == 0);
        assertStoppedWithinOneStep();
        assertThat(server.chat.decoderRuns() - runsBefore).as("decoder runs of the cut generation").isLessThan(LONG);
    }

    @Test
    void aClientThatHeardItsCallEndFindsTheSlotFree() {
        server = new LlmServer(1, 0, image);
        for (int i = 0; i < 5; i++) {
            assertThat(Streamed.collect(server.stub().generate(request(2))).outputIds(0)).as("call %d", i).hasSize(2);
        }
    }

    @Test
    void aCallBeyondTheWorkersWaitsInTheQueueAndRunsWhenAWorkerIsFree() throws Exception {
        server = new LlmServer(1, 1, image);
        Context.CancellableContext first = generatingLong();
        Iterator<AnswerEvent> waiting = server.stub().generate(request(4));
        await().atMost(Duration.ofMinutes(1)).until(() -> server.queue.waiting() == 1);
        assertThat(server.registry.get("osprey.queue.depth").tag("queue", "generate").gauge().value()).isEqualTo(1);
        assertThat(server.registry.get("osprey.generate.sequences.active").gauge().value()).isEqualTo(1);

        first.cancel(null);
        Streamed queued = Streamed.collect(waiting);
        assertThat(queued.outputIds(0)).hasSize(4);
        assertThat(server.queue.waiting()).isZero();
    }

    @Test
    void aCallCancelledWhileItWaitsInTheQueueIsDroppedWithoutGenerating() throws Exception {
        server = new LlmServer(1, 1, image);
        Context.CancellableContext first = generatingLong();
        Context.CancellableContext second = Context.current().withCancellation();
        Iterator<AnswerEvent> waiting = second.call(() -> server.stub().generate(request(4)));
        await().atMost(Duration.ofMinutes(1)).until(() -> server.queue.waiting() == 1);
        long prefixLookups = server.chat.prefixCache().hits() + server.chat.prefixCache().misses();

        second.cancel(null);
        assertThatThrownBy(waiting::next).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        first.cancel(null);
        await().atMost(Duration.ofMinutes(1)).until(() -> server.queue.running() == 0 && server.queue.waiting() == 0);
        assertThat(server.chat.prefixCache().hits() + server.chat.prefixCache().misses())
                .as("prefix lookups after the first call began: the cancelled one never asked").isEqualTo(prefixLookups);
    }

    // A call of LONG tokens in a Context of its own to cancel it by, once it streams (it holds a worker then).
    private Context.CancellableContext generatingLong() throws Exception {
        Context.CancellableContext call = Context.current().withCancellation();
        Iterator<AnswerEvent> running = call.call(() -> server.stub().generate(request(LONG)));
        assertThat(running.next().hasPiece()).as("the first call is generating").isTrue();
        return call;
    }

    // The server saw the call end at runsWhenCallEnded; at most the decoder run under way then may follow.
    private void assertStoppedWithinOneStep() {
        long atEnd = server.runsWhenCallEnded.get();
        assertThat(atEnd).as("the server saw the call end").isPositive();
        assertThat(server.chat.decoderRuns() - atEnd).as("decoder runs after the call ended").isLessThanOrEqualTo(1);
    }

    private GenerateRequest request(int maxNewTokens) {
        return GenerateRequest.newBuilder().setImageId(image.imageId()).setRegionTokens(image.regionTokens())
                .setPrompt("What is <region1>?")
                .setSampling(Sampling.newBuilder().setTemperature(1).setTopK(0).setSeed(7))
                .setMaxNewTokens(maxNewTokens).build();
    }
}

package dev.osprey.llm;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.generate.TokenListener;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.service.GrpcErrors;
import dev.osprey.service.StageSpans;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response stream of one Generate call: a piece event per generated id as the generator emits
 * it, then a Finished event per answer. Holds the generation's {@link Cancellation}, cancelled when
 * the call is over for the client: the call's cancel handler feeds it here, and
 * {@link LlmGrpcService} feeds it the call's Context (a cancel, or a passed deadline) while the
 * generation runs. Created on the gRPC thread that received the call; written by one thread at a
 * time: the worker (the first tokens, the end) and the shared batch's thread (the tokens in between),
 * which hand over to each other. Each answer's Finished event carries its stage timings, and the call's
 * stage spans are recorded at the end ({@link GenerationTimes}).
 */
final class AnswerStream implements TokenListener {

    private static final Logger log = LoggerFactory.getLogger(AnswerStream.class);

    private final ServerCallStreamObserver<AnswerEvent> call;
    private final Cancellation cancellation = new Cancellation();
    private final GenerationMetrics metrics;
    private final GenerationTimes times;
    private long[] lastTokenAt = new long[0];
    private boolean[] streaming = new boolean[0];
    private boolean anyToken;

    /** Created on the thread that received the call, in the call's span. */
    AnswerStream(ServerCallStreamObserver<AnswerEvent> call, GenerationMetrics metrics, StageSpans spans) {
        this.call = call;
        this.metrics = metrics;
        this.times = new GenerationTimes(spans);
        // A client that cancels, or a server that shuts down hard, ends the generation even mid-run. With
        // a handler set, writes to a cancelled call are also dropped instead of throwing on the worker.
        call.setOnCancelHandler(cancellation::cancel);
    }

    /** How the generation learns that the client has gone: cancelled, deadline passed, or the server shut down hard. */
    Cancellation cancellation() {
        return cancellation;
    }

    /** When the call's stages ran. */
    GenerationTimes times() {
        return times;
    }

    /** Sequences that will stream, so that each one's inter-token gaps are measured apart. */
    void expect(int sequences) {
        lastTokenAt = new long[sequences];
        streaming = new boolean[sequences];
    }

    @Override
    public void onPrefillStart() {
        times.prefillStarted();
    }

    @Override
    public void onToken(int sequence, String piece, int tokenId) {
        long now = System.nanoTime();
        if (tokenId != NO_TOKEN) {
            if (!anyToken) {
                anyToken = true;
                times.token(now);
                metrics.firstToken(now - times.received());
            }
            if (streaming[sequence]) {
                metrics.interToken(now - lastTokenAt[sequence]);
            }
            streaming[sequence] = true;
            lastTokenAt[sequence] = now;
        }
        call.onNext(AnswerEvents.piece(sequence, piece, tokenId));
    }

    /** Sends each answer's Finished event, with its stage timings, and completes the call. */
    void finish(List<Answer> answers) {
        long end = System.nanoTime();
        times.record(answers, end);
        for (int i = 0; i < answers.size(); i++) {
            metrics.answered(answers.get(i).usage());
            call.onNext(AnswerEvents.finished(i, answers.get(i), times.timings(answers.get(i).usage(), end)));
        }
        if (!cancellation.cancelled()) {
            call.onCompleted();
        }
    }

    /** Ends the call with the status for {@code failure}, unless the client has gone already. */
    void fail(Throwable failure) {
        // GrpcErrors logs server errors with their stack; what the client got wrong is only worth a debug line.
        StatusRuntimeException status = GrpcErrors.toStatus(failure);
        log.debug("Generate failed: {}", status.getStatus());
        if (!cancellation.cancelled()) {
            call.onError(status);
        }
    }
}

package dev.osprey.llm;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.ForgetResponse;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.internal.v1.WarmRequest;
import dev.osprey.internal.v1.WarmResponse;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.model.pipeline.ChatModel;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import dev.osprey.service.StageSpans;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Function;

/**
 * The Llm gRPC service. Generate checks the request on the receiving thread (INVALID_ARGUMENT naming
 * the field), admits it to the bounded {@link GenerationQueue} (RESOURCE_EXHAUSTED when full) and
 * generates on a worker in the call's gRPC {@link Context}: the worker prefills the prompts, then
 * waits while they decode in the batch that every call shares ({@link RegionChat#decodeLoop}). The
 * call's deadline bounds the encoder call too, and a cancelled or expired call stops generating
 * within one decoder step, leaving the others in the batch as they were. The
 * image tokens are fetched from the request's encoder only when the prefix cache misses; an encoder
 * that is not a configured replica is refused first (PERMISSION_DENIED). What fails on the receiving
 * thread is thrown, for GrpcErrorHandler to end the call; what fails on the worker ends it through
 * {@link AnswerStream#fail}. The worker and the warm-up thread run in the trace of the call that gave
 * them their work: a warm-up belongs to the trace of the upload that asked for it.
 */
final class LlmGrpcService extends LlmGrpc.LlmImplBase implements AutoCloseable {

    private final ChatModel chat;
    private final EncoderClient encoder;
    private final GenerationQueue queue;
    private final WarmUps warmUps;
    private final GenerationMetrics metrics;
    private final GenerateRequests requests;
    private final StageSpans spans;

    /** @param defaultMaxNewTokens the token limit of a request that sets none */
    LlmGrpcService(ChatModel chat, EncoderClient encoder, GenerationQueue queue, WarmUps warmUps, GenerationMetrics metrics,
            int defaultMaxNewTokens, StageSpans spans) {
        this.spans = spans;
        this.chat = chat;
        this.encoder = encoder;
        this.queue = queue;
        this.warmUps = warmUps;
        this.metrics = metrics;
        this.requests = new GenerateRequests(chat, defaultMaxNewTokens);
    }

    /**
     * Cancels the image's warm-up and drops its cached prefixes, so that a deleted image leaves nothing
     * behind (a warm-up is cancelled first, so it cannot store a prefix after the drop).
     */
    @Override
    public void forget(ForgetRequest request, StreamObserver<ForgetResponse> responses) {
        boolean warming = warmUps.forget(request.getImageId());
        responses.onNext(ForgetResponse.newBuilder().setForgotten(chat.forget(request.getImageId()) > 0 || warming).build());
        responses.onCompleted();
    }

    /**
     * Queues the image's warm-up: its prefix computed in the background, its image tokens fetched from
     * the request's encoder (refused first unless a configured replica) when the prefix is not cached.
     */
    @Override
    public void warm(WarmRequest request, StreamObserver<WarmResponse> responses) {
        encoder.requireKnown(request.getEncoderAddress());
        String imageId = requests.imageId(request.getImageId());
        String address = request.getEncoderAddress();
        Function<Cancellation, Boolean> warm = StageSpans.carry(cancellation -> spans.run("warm-up", () -> chat.warm(imageId,
                () -> encoder.imageTokens(address, imageId, chat.imageTokens(), chat.hidden()), cancellation)));
        boolean queued = warmUps.offer(imageId, warm::apply);
        responses.onNext(WarmResponse.newBuilder().setQueued(queued).build());
        responses.onCompleted();
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
        AnswerStream stream = new AnswerStream((ServerCallStreamObserver<AnswerEvent>) responses, metrics, spans);
        encoder.requireKnown(request.getEncoderAddress());
        GenerateJob job = requests.read(request);
        Context context = Context.current();
        if (!queue.offer(StageSpans.carry(() -> generate(context, job, stream))::get)) {
            throw new ServiceException(ErrorReason.RESOURCE_EXHAUSTED, "llm-service is busy: " + queue.workers() + " generating and "
                    + queue.capacity() + " waiting; retry later or on another replica");
        }
    }

    // Runs on a worker in the call's Context (its deadline then bounds the encoder call); returns how
    // to end the call once the slot is free.
    private Runnable generate(Context context, GenerateJob job, AnswerStream stream) {
        Cancellation cancellation = stream.cancellation();
        // A cancelled call or a passed deadline, also one that came while the job waited (the listener
        // then runs at once), ends the generation, the decoder run in progress included (a long first prefill).
        Context.CancellationListener onCancel = cancelled -> cancellation.cancel();
        context.addListener(onCancel, Runnable::run);
        Context previous = context.attach();
        try {
            return cancellation.cancelled() ? () -> { } : answer(job, stream);
        } finally {
            context.detach(previous);
            context.removeListener(onCancel);
            cancellation.close();
        }
    }

    private Runnable answer(GenerateJob job, AnswerStream stream) {
        stream.expect(job.sequences());
        metrics.activeSequences(job.sequences());
        try {
            List<Answer> answers = chat.answer(job.imageId(),
                    stream.times().fetching(() -> encoder.imageTokens(job.encoderAddress(), job.imageId(), chat.imageTokens(), chat.hidden())),
                    job.regions(), job.prompts(), job.request().withListener(stream).withCancellation(stream.cancellation()));
            return () -> stream.finish(answers);
        } catch (RuntimeException | Error e) {
            // An Error too (a class that cannot load, out of memory): the call must end rather than hang.
            return () -> stream.fail(e);
        } finally {
            metrics.activeSequences(-job.sequences());
            warmUps.questionsChanged();
        }
    }

    /** Waits for the generations still running (the gRPC server has drained or cancelled their calls by now). */
    @Override
    public void close() {
        queue.close();
    }
}

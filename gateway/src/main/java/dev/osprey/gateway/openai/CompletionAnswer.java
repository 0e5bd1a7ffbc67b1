package dev.osprey.gateway.openai;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Finished;
import dev.osprey.gateway.openai.CompletionResponses.ChoiceJson;
import dev.osprey.gateway.openai.CompletionResponses.ChunkChoiceJson;
import dev.osprey.gateway.openai.CompletionResponses.ChunkJson;
import dev.osprey.gateway.openai.CompletionResponses.CompletionJson;
import dev.osprey.gateway.openai.CompletionResponses.DeltaJson;
import dev.osprey.gateway.openai.CompletionResponses.MessageJson;
import dev.osprey.gateway.openai.CompletionResponses.UsageJson;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * One completion's answer made of the native answer events (a prompt has one answer, index 0): the
 * whole chat.completion, or its chunks. A cancelled answer has no finish reason in OpenAI's terms: it
 * ends as an error, as an answer cut short on OpenAI's side does.
 *
 * @param id           {@code chatcmpl-...}, the same in every chunk
 * @param created      Unix seconds of the request's arrival
 * @param model        the served model's id
 * @param includeUsage whether the chunks end with one that holds the usage
 */
record CompletionAnswer(String id, long created, String model, boolean includeUsage) {

    /** What ends a stream, after the last chunk. */
    static final String DONE = "[DONE]";
    private static final String ASSISTANT = "assistant";

    /** The whole answer of its finished event. */
    CompletionJson whole(AnswerEvent finished) {
        Finished end = finished.getFinished();
        return new CompletionJson(id, "chat.completion", created, model, List.of(new ChoiceJson(0, new MessageJson(ASSISTANT, end.getText()),
                finishReason(end))), UsageJson.of(end.getUsage()));
    }

    /**
     * The chunks of a stream that has started: the assistant's role, a chunk per piece of text, one
     * with the finish reason, with include_usage one with the usage and no choices, then {@link #DONE};
     * or, when it fails on the way, what {@code failed} makes of the failure, last.
     */
    Flux<Object> chunks(Flux<AnswerEvent> events, Function<Throwable, Object> failed) {
        // Each event's chunks as one list, flattened after the failure became a list too: a flattening
        // operator passes an error on at once, dropping the chunks it still held.
        return Flux.concat(Flux.just(List.<Object>of(chunk(new DeltaJson(ASSISTANT, ""), null))), events.map(this::chunksOf),
                        Flux.just(List.<Object>of(DONE)))
                .onErrorResume(failure -> Flux.just(List.of(failed.apply(failure))))
                .concatMapIterable(chunks -> chunks);
    }

    private List<Object> chunksOf(AnswerEvent event) {
        if (event.hasPiece()) {
            String text = event.getPiece().getText();
            // A token that ends inside a character gives no text yet: OpenAI sends no empty deltas for it either.
            return text.isEmpty() ? List.of() : List.of(chunk(new DeltaJson(null, text), null));
        }
        Finished end = event.getFinished();
        ChunkJson last = chunk(new DeltaJson(null, null), finishReason(end));
        return includeUsage ? List.of(last, new ChunkJson(id, "chat.completion.chunk", created, model, List.of(), UsageJson.of(end.getUsage())))
                : List.of(last);
    }

    private ChunkJson chunk(DeltaJson delta, String finishReason) {
        return new ChunkJson(id, "chat.completion.chunk", created, model, List.of(new ChunkChoiceJson(0, delta, finishReason)), null);
    }

    private static String finishReason(Finished end) {
        return switch (end.getReason()) {
            case FINISH_REASON_LENGTH -> "length";
            case FINISH_REASON_CANCELLED -> throw new ServiceException(ErrorReason.CANCELLED, "the answer was cancelled before it finished"
                    + " (the server may be shutting down); ask again");
            // The end-of-sequence token and a stop string both stop the answer: OpenAI says "stop" for either.
            default -> "stop";
        };
    }
}

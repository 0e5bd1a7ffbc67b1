package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Finished;
import dev.osprey.api.v1.Usage;
import dev.osprey.gateway.flow.StageTimings;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Locale;

/** The JSON the chat endpoint answers with: whole answers, or one Server-Sent Event per piece. */
final class ChatResponses {

    private ChatResponses() {
    }

    @Schema(description = "Token counts and times measured at the gateway, from the request's arrival, and the time of each stage")
    record UsageJson(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("completion_tokens") int completionTokens,
            @JsonProperty("time_to_first_token_ms") double timeToFirstTokenMs, @JsonProperty("total_ms") double totalMs,
            StageTimings timings) {
    }

    @Schema(description = "One finished answer; index is the region a task answer is about (0-based), 0 for a prompt")
    record AnswerJson(int index, String text, @JsonProperty("output_ids") List<Integer> outputIds,
            @Schema(allowableValues = {"stop", "length", "stop_string", "cancelled"}) @JsonProperty("finish_reason") String finishReason,
            UsageJson usage) {
    }

    @Schema(description = "The answer (for a task over several regions: the first region's, and all of them in answers)")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChatResponse(String text, @JsonProperty("output_ids") List<Integer> outputIds, @JsonProperty("finish_reason") String finishReason,
            UsageJson usage, @Schema(description = "Every answer in region order, when there are several") List<AnswerJson> answers) {

        static ChatResponse of(List<AnswerJson> answers) {
            AnswerJson first = answers.getFirst();
            return new ChatResponse(first.text(), first.outputIds(), first.finishReason(), first.usage(),
                    answers.size() > 1 ? answers : null);
        }
    }

    @Schema(description = "SSE event 'piece': newly generated text of answer index")
    record PieceJson(int index, String text, @JsonProperty("token_ids") List<Integer> tokenIds) {
    }

    static PieceJson piece(AnswerEvent event) {
        return new PieceJson(event.getAnswerIndex(), event.getPiece().getText(), event.getPiece().getTokenIdsList());
    }

    static AnswerJson answer(AnswerEvent event) {
        Finished finished = event.getFinished();
        return new AnswerJson(event.getAnswerIndex(), finished.getText(), finished.getOutputIdsList(), reason(finished.getReason()),
                usage(finished.getUsage()));
    }

    static UsageJson usage(Usage usage) {
        return new UsageJson(usage.getPromptTokens(), usage.getCompletionTokens(), usage.getTimeToFirstTokenMs(), usage.getTotalMs(),
                StageTimings.of(usage));
    }

    static String reason(FinishReason reason) {
        return switch (reason) {
            case FINISH_REASON_STOP -> "stop";
            case FINISH_REASON_LENGTH -> "length";
            case FINISH_REASON_STOP_STRING -> "stop_string";
            case FINISH_REASON_CANCELLED -> "cancelled";
            default -> reason.name().toLowerCase(Locale.ROOT);
        };
    }
}

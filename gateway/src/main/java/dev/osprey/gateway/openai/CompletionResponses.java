package dev.osprey.gateway.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.api.v1.Usage;
import dev.osprey.gateway.flow.StageTimings;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The JSON of OpenAI's answers: a chat.completion, its chat.completion.chunk events, and the model list. */
final class CompletionResponses {

    private CompletionResponses() {
    }

    @Schema(description = "Token counts as the native API's usage gives them, and (an extension) the native usage's time of each stage")
    record UsageJson(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("completion_tokens") int completionTokens,
            @JsonProperty("total_tokens") int totalTokens, StageTimings timings) {

        static UsageJson of(Usage usage) {
            return new UsageJson(usage.getPromptTokens(), usage.getCompletionTokens(), usage.getPromptTokens() + usage.getCompletionTokens(),
                    StageTimings.of(usage));
        }
    }

    record MessageJson(String role, String content) {
    }

    record ChoiceJson(int index, MessageJson message, @Schema(allowableValues = {"stop", "length"}) @JsonProperty("finish_reason") String finishReason) {
    }

    @Schema(description = "A whole answer (object chat.completion)")
    record CompletionJson(String id, String object, long created, String model, List<ChoiceJson> choices, UsageJson usage) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DeltaJson(String role, String content) {
    }

    /** One choice's part of a chunk; finish_reason is null until its last chunk, as OpenAI writes it. */
    record ChunkChoiceJson(int index, DeltaJson delta, @JsonProperty("finish_reason") String finishReason) {
    }

    @Schema(description = "One Server-Sent Event of a streamed answer (object chat.completion.chunk); usage only in the last chunk, whose"
            + " choices are empty, with stream_options.include_usage")
    record ChunkJson(String id, String object, long created, String model, List<ChunkChoiceJson> choices,
            @JsonInclude(JsonInclude.Include.NON_NULL) UsageJson usage) {
    }

    record ModelJson(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {
    }

    record ModelListJson(String object, List<ModelJson> data) {
    }
}

package dev.osprey.gateway.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.gateway.rest.ChatBody;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The JSON body of {@code POST /v1/chat/completions}: OpenAI's Chat Completions request, with regions as an extension. */
@Schema(description = "OpenAI's Chat Completions request. The conversation is about one image, given as an image_url part (a PNG or"
        + " JPEG data URL, or osprey://images/{id} from POST /v1/images); the last message is the user's question. See docs/openai.md.")
record CompletionBody(
        @Schema(description = "The served model's id (GET /v1/models)", requiredMode = Schema.RequiredMode.REQUIRED)
        String model,
        @Schema(description = "user and assistant messages, alternating, first and last user", requiredMode = Schema.RequiredMode.REQUIRED)
        List<MessageBody> messages,
        @Schema(description = "Extension: regions in the native API's forms, <region1> the first; a PNG image_url with an alpha channel that"
                + " is not fully opaque adds one region after them (alpha > 0 inside)")
        List<ChatBody.RegionBody> regions,
        @Schema(description = "Upper bound on generated tokens (as max_completion_tokens)", defaultValue = "256")
        @JsonProperty("max_tokens") Integer maxTokens,
        @Schema(description = "Upper bound on generated tokens", defaultValue = "256")
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        @Schema(description = "0 to 2; 0 means greedy", defaultValue = "0.2")
        Double temperature,
        @Schema(description = "Nucleus sampling mass, in (0, 1]", defaultValue = "1.0")
        @JsonProperty("top_p") Double topP,
        @Schema(description = "Extension: sample among the k most likely tokens", defaultValue = "50")
        @JsonProperty("top_k") Integer topK,
        @Schema(description = "Makes sampling reproducible")
        Long seed,
        @Schema(description = "A string or a list of strings that end generation")
        JsonNode stop,
        @Schema(description = "Choices to generate: 1 only", defaultValue = "1")
        Integer n,
        @Schema(description = "Stream chat.completion.chunk events, then data: [DONE]", defaultValue = "false")
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        @Schema(description = "0 only") @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @Schema(description = "0 only") @JsonProperty("presence_penalty") Double presencePenalty,
        @Schema(description = "false only") Boolean logprobs,
        @Schema(description = "Accepted and not used") String user) {

    /** One message: {@code content} is a string or a list of parts ({@code text}, {@code image_url}). */
    record MessageBody(@Schema(allowableValues = {"user", "assistant"}) String role, JsonNode content,
            @Schema(description = "Accepted and not used") String name) {
    }

    record StreamOptions(@Schema(description = "A last chunk with usage and no choices") @JsonProperty("include_usage") Boolean includeUsage) {
    }
}

package dev.osprey.gateway.openai;

import dev.osprey.api.v1.AskRequest;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.rest.ChatBody;
import dev.osprey.gateway.rest.ChatRequests;
import java.util.List;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat/completions} JSON → the native question ({@link AskRequest} without its image,
 * which {@link ConversationImage} resolves), through the native API's own parsing of regions, sampling
 * and stop strings; what OpenAI's API has and the native one lacks is refused naming the parameter.
 */
final class CompletionRequests {

    /** OpenAI's own bound; the native API takes any temperature >= 0. */
    private static final double MAX_TEMPERATURE = 2;

    /**
     * A checked completion request.
     *
     * @param question     the native question, all but its image
     * @param image        the image it is about
     * @param stream       whether to answer with chat.completion.chunk events
     * @param includeUsage whether a streamed answer ends with a usage chunk
     */
    record Completion(AskRequest question, ConversationImage image, boolean stream, boolean includeUsage) {
    }

    private CompletionRequests() {
    }

    static Completion toCompletion(CompletionBody body, String servedModel, AskLimits limits) {
        if (body.model() == null || body.model().isBlank()) {
            throw CompletionProblem.invalid("model", "missing; give the served model's id, '" + servedModel + "' (GET /v1/models)");
        }
        if (!body.model().equals(servedModel)) {
            throw CompletionProblem.unknownModel(body.model(), servedModel);
        }
        requireOpenAiDefaults(body);
        boolean stream = Boolean.TRUE.equals(body.stream());
        if (body.streamOptions() != null && !stream) {
            throw CompletionProblem.invalid("stream_options", "only allowed when stream is true");
        }
        Conversation conversation = Conversation.of(body.messages(), limits);
        AskRequest.Builder question = AskRequest.newBuilder().setPrompt(conversation.prompt()).addAllHistory(conversation.history());
        List<ChatBody.RegionBody> regions = body.regions() == null ? List.of() : body.regions();
        for (int i = 0; i < regions.size(); i++) {
            question.addRegions(ChatRequests.region("regions[" + i + "]", regions.get(i)));
        }
        Integer maxTokens = maxTokens(body, limits);
        if (maxTokens != null) {
            question.setMaxNewTokens(maxTokens);
        }
        if (body.temperature() != null && body.temperature() > MAX_TEMPERATURE) {
            throw CompletionProblem.invalid("temperature", "must be between 0 and 2, got " + body.temperature());
        }
        question.setSampling(ChatRequests.sampling(body.temperature(), body.topK(), body.topP(), body.seed()));
        question.addAllStop(stops(body.stop()));
        boolean includeUsage = body.streamOptions() != null && Boolean.TRUE.equals(body.streamOptions().includeUsage());
        return new Completion(question.build(), conversation.image(), stream, includeUsage);
    }

    /** Parameters whose OpenAI defaults are all this API does: anything else is refused, never ignored. */
    private static void requireOpenAiDefaults(CompletionBody body) {
        if (body.n() != null && body.n() != 1) {
            throw CompletionProblem.unsupported("n", "one choice is generated per request (n = 1), got " + body.n());
        }
        if (body.frequencyPenalty() != null && body.frequencyPenalty() != 0) {
            throw CompletionProblem.unsupported("frequency_penalty", "only 0 is supported, got " + body.frequencyPenalty());
        }
        if (body.presencePenalty() != null && body.presencePenalty() != 0) {
            throw CompletionProblem.unsupported("presence_penalty", "only 0 is supported, got " + body.presencePenalty());
        }
        if (Boolean.TRUE.equals(body.logprobs())) {
            throw CompletionProblem.unsupported("logprobs", "log probabilities are not returned");
        }
    }

    /** max_completion_tokens, or max_tokens (its older name); null for the server's default. */
    private static Integer maxTokens(CompletionBody body, AskLimits limits) {
        if (body.maxTokens() != null && body.maxCompletionTokens() != null && !body.maxTokens().equals(body.maxCompletionTokens())) {
            throw CompletionProblem.invalid("max_completion_tokens", "differs from max_tokens (" + body.maxTokens() + "); give one of them");
        }
        String param = body.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        Integer tokens = body.maxCompletionTokens() != null ? body.maxCompletionTokens() : body.maxTokens();
        if (tokens != null && (tokens < 1 || tokens > limits.maxNewTokens())) {
            throw CompletionProblem.invalid(param, "must be between 1 and " + limits.maxNewTokens() + ", got " + tokens);
        }
        return tokens;
    }

    /** {@code stop}: a string or a list of strings. */
    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isString()) {
            return List.of(ChatRequests.text("stop", stop.asString()));
        }
        if (!stop.isArray()) {
            throw CompletionProblem.invalid("stop", "expected a string or a list of strings");
        }
        return IntStream.range(0, stop.size()).mapToObj(i -> {
            if (!stop.get(i).isString()) {
                throw CompletionProblem.invalid("stop[" + i + "]", "expected a string");
            }
            return ChatRequests.text("stop[" + i + "]", stop.get(i).asString());
        }).toList();
    }
}

package dev.osprey.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.AskRequest;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.openai.CompletionRequests.Completion;
import dev.osprey.gateway.rest.ChatBody;
import dev.osprey.gateway.rest.ChatRequests;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

class CompletionRequestsTest {

    private static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final String ID = "0123456789abcdef".repeat(4);
    private static final String MODEL = "osprey-test";
    private static final AskLimits LIMITS = new AskLimits(1024, 4, 100, 2, 64, false, 4, Duration.ofMinutes(3), Duration.ofMinutes(3));
    private static final String REGIONS = "[{\"box\": [1, 2, 3, 4]}, {\"rle\": {\"size\": [2, 3], \"counts\": [1, 4, 1]}}]";

    @Test
    void aConversationIsTheNativeQuestionWithItsHistory() {
        Completion completion = complete("""
                {"model": "%s", "regions": %s, "temperature": 0.5, "top_p": 0.9, "top_k": 5, "seed": 7, "max_tokens": 32, "stop": ".",
                 "messages": [
                   {"role": "user", "content": [{"type": "text", "text": "What is <region1>?"},
                                                {"type": "image_url", "image_url": {"url": "osprey://images/%s", "detail": "auto"}}]},
                   {"role": "assistant", "content": "a cat"},
                   {"role": "user", "content": "And <region2>?", "name": "ann"}]}
                """.formatted(MODEL, REGIONS, ID));
        AskRequest nativeQuestion = ChatRequests.toAsk(JSON.readValue("""
                {"image_id": "%s", "regions": %s, "temperature": 0.5, "top_p": 0.9, "top_k": 5, "seed": 7, "max_new_tokens": 32,
                 "stop": ["."], "prompt": "And <region2>?",
                 "history": [{"role": "user", "content": "What is <region1>?"}, {"role": "assistant", "content": "a cat"}]}
                """.formatted(ID, REGIONS), ChatBody.class));

        assertThat(completion.question()).isEqualTo(nativeQuestion.toBuilder().clearImage().build());
        assertThat(completion.image()).isEqualTo(new ConversationImage("osprey://images/" + ID, "messages[0].content[1].image_url.url"));
        assertThat(completion.stream()).isFalse();
    }

    @Test
    void textPartsJoinWithNewlinesAndTheSameImageMayComeAgain() {
        Completion completion = complete("""
                {"model": "%1$s", "messages": [
                  {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "osprey://images/%2$s"}},
                                               {"type": "text", "text": "Look."}, {"type": "text", "text": "What is this?"}]},
                  {"role": "assistant", "content": [{"type": "text", "text": "a dog"}]},
                  {"role": "user", "content": [{"type": "text", "text": "Sure?"}, {"type": "image_url", "image_url": {"url": "osprey://images/%2$s"}}]}],
                 "max_completion_tokens": 8, "stream": true, "stream_options": {"include_usage": true}, "n": 1,
                 "frequency_penalty": 0, "presence_penalty": 0, "logprobs": false, "user": "u-1"}
                """.formatted(MODEL, ID));
        assertThat(completion.question().getHistory(0).getContent()).isEqualTo("Look.\nWhat is this?");
        assertThat(completion.question().getHistory(1).getContent()).isEqualTo("a dog");
        assertThat(completion.question().getPrompt()).isEqualTo("Sure?");
        assertThat(completion.question().getMaxNewTokens()).isEqualTo(8);
        assertThat(completion.question().getSampling().hasTemperature()).as("unset: the native default").isFalse();
        assertThat(completion.stream()).isTrue();
        assertThat(completion.includeUsage()).isTrue();
    }

    @Test
    void temperatureZeroIsGreedyAndAStopListIsKept() {
        Completion completion = complete(("{\"model\": \"%s\", \"temperature\": 0, \"stop\": [\"a\", \"b\"], \"messages\": [{\"role\": \"user\","
                + " \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,iVBORw==\"}}]}]}").formatted(MODEL));
        assertThat(completion.question().getSampling().getGreedy()).isTrue();
        assertThat(completion.question().getStopList()).containsExactly("a", "b");
        assertThat(completion.question().getPrompt()).isEmpty();
    }

    @Test
    void whatTheApiCannotDoIsRefusedNamingTheParameter() {
        assertProblem("\"n\": 2", "n", "unsupported_value", "n: one choice is generated per request (n = 1), got 2");
        assertProblem("\"frequency_penalty\": 0.5", "frequency_penalty", "unsupported_value", "only 0 is supported");
        assertProblem("\"presence_penalty\": -1", "presence_penalty", "unsupported_value", "only 0 is supported");
        assertProblem("\"logprobs\": true", "logprobs", "unsupported_value", "log probabilities are not returned");
        assertProblem("\"stream_options\": {\"include_usage\": true}", "stream_options", null, "only allowed when stream is true");
        assertProblem("\"temperature\": 2.5", "temperature", null, "must be between 0 and 2, got 2.5");
        assertProblem("\"max_tokens\": 0", "max_tokens", null, "must be between 1 and 64, got 0");
        assertProblem("\"max_completion_tokens\": 65", "max_completion_tokens", null, "must be between 1 and 64, got 65");
        assertProblem("\"max_tokens\": 4, \"max_completion_tokens\": 5", "max_completion_tokens", null, "differs from max_tokens (4)");
        assertProblem("\"stop\": 3", "stop", null, "expected a string or a list of strings");
        assertProblem("\"stop\": [\"a\", 3]", "stop[1]", null, "expected a string");
    }

    @Test
    void anUnknownModelIs404ModelNotFound() {
        assertThatThrownBy(() -> complete("{\"model\": \"gpt-4o\", \"messages\": []}"))
                .isInstanceOfSatisfying(CompletionProblem.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(e.code()).isEqualTo("model_not_found");
                    assertThat(e.param()).isEqualTo("model");
                })
                .hasMessage("model: the model 'gpt-4o' does not exist; this server serves 'osprey-test' (GET /v1/models)");
        assertThatThrownBy(() -> complete("{\"messages\": []}")).hasMessageStartingWith("model: missing");
    }

    @Test
    void messagesMustAlternateFromUserToUserAboutOneImage() {
        String image = "{\"type\": \"image_url\", \"image_url\": {\"url\": \"osprey://images/" + ID + "\"}}";
        assertMessages("[]", "messages", "give at least one user message");
        assertMessages("[{\"role\": \"system\", \"content\": \"be brief\"}]", "messages[0].role",
                "'system' messages are not supported: Osprey's conversation template has a fixed system prompt");
        assertMessages("[{\"role\": \"tool\", \"content\": \"x\"}]", "messages[0].role", "'tool' messages are not supported");
        assertMessages("[{\"content\": \"x\"}]", "messages[0].role", "missing; give user or assistant");
        assertMessages("[{\"role\": \"user\", \"content\": [" + image + "]}, {\"role\": \"user\", \"content\": \"x\"}]", "messages[1].role",
                "expected assistant: messages alternate user and assistant");
        assertMessages("[{\"role\": \"user\", \"content\": [" + image + "]}, {\"role\": \"assistant\", \"content\": \"x\"}]", "messages",
                "the last message must be the user's question");
        assertMessages("[{\"role\": \"user\", \"content\": \"x\"}]", "messages", "no image: give the image as an image_url part");
        assertMessages("[{\"role\": \"user\", \"content\": [" + image + ", {\"type\": \"image_url\", \"image_url\": {\"url\":"
                + " \"osprey://images/other\"}}]}]", "messages[0].content[1].image_url.url", "a conversation is about one image");
        assertMessages("[{\"role\": \"user\", \"content\": [" + image + "]}, {\"role\": \"assistant\", \"content\": [" + image + "]}, "
                + "{\"role\": \"user\", \"content\": \"x\"}]", "messages[1].content[0]", "images go in user messages");
        assertMessages("[{\"role\": \"user\", \"content\": [{\"type\": \"input_audio\"}]}]", "messages[0].content[0].type",
                "'input_audio' parts are not supported");
        assertMessages("[{\"role\": \"user\", \"content\": [{\"text\": \"x\"}]}]", "messages[0].content[0].type", "missing");
        assertMessages("[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": 5}]}]", "messages[0].content[0].text",
                "expected a string");
        assertMessages("[{\"role\": \"user\", \"content\": 5}]", "messages[0].content", "expected a string or a list of parts");
        assertMessages("[{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {}}]}]",
                "messages[0].content[0].image_url.url", "expected a string");
        assertMessages("[{\"role\": \"user\", \"content\": [" + image + ", {\"type\": \"text\", \"text\": \"" + "x".repeat(101) + "\"}]}]",
                "messages[0].content", "101 characters, the limit is 100");
        assertMessages("[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}, {\"role\": \"user\","
                + " \"content\": \"c\"}, {\"role\": \"assistant\", \"content\": \"d\"}, {\"role\": \"user\", \"content\": \"e\"}]",
                "messages", "4 messages before the question, the limit is 2");
        assertMessages("[{\"role\": \"user\", \"content\": \"\\ud800\"}]", null, "messages[0].content: character 0 is a lone UTF-16 surrogate");
    }

    @Test
    void imageUrlsAreDataUrlsOfPngOrJpegOrUploads() {
        assertImage("osprey://images/", "expected osprey://images/{id} with an id from POST /v1/images");
        assertImage("osprey://images/a/b", "expected osprey://images/{id}");
        assertImage("https://example.com/cat.png", "this server fetches no URLs");
        assertImage("data:image/gif;base64,R0lG", "the image is 'image/gif'; PNG and JPEG images are supported");
        assertImage("data:image/png,rawbytes", "expected a base64 data URL");
        assertImage("file:///etc/passwd", "expected a data URL");
    }

    private static void assertImage(String url, String message) {
        assertMessages("[{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"" + url + "\"}}]}]",
                "messages[0].content[0].image_url.url", message);
    }

    private static void assertMessages(String messages, String param, String message) {
        assertThatThrownBy(() -> complete("{\"model\": \"%s\", \"messages\": %s}".formatted(MODEL, messages)))
                .isInstanceOfSatisfying(OspreyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
                    if (param != null) {
                        assertThat(((CompletionProblem) e).param()).isEqualTo(param);
                    }
                })
                .hasMessageContaining(message);
    }

    private static void assertProblem(String fields, String param, String code, String message) {
        assertThatThrownBy(() -> complete(body(fields)))
                .isInstanceOfSatisfying(CompletionProblem.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.code()).isEqualTo(code);
                })
                .hasMessageStartingWith(param + ": ").hasMessageContaining(message);
    }

    private static String body(String fields) {
        return ("{\"model\": \"%s\", %s, \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"},"
                + " {\"type\": \"image_url\", \"image_url\": {\"url\": \"osprey://images/%s\"}}]}]}").formatted(MODEL, fields, ID);
    }

    private static Completion complete(String json) {
        return CompletionRequests.toCompletion(JSON.readValue(json, CompletionBody.class), MODEL, LIMITS);
    }
}

package dev.osprey.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.gateway.access.ApiKeys;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.StandInBackends;
import dev.osprey.gateway.rest.RequestIds;
import dev.osprey.gateway.rest.StandInFlows;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.model.pipeline.ImageId;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible routes in a WebFlux slice beside the native ones, over in-process backends and
 * behind the access check with the keys of two tenants, alice (whose key OpenAI clients send as
 * {@code Authorization: Bearer}) and bob: a completion asks the llm-service exactly what the native
 * chat asks for the same question, whole and streamed; the model list; keys and tenants as on the
 * native routes; errors in OpenAI's shape before and after a stream starts.
 */
@WebFluxTest
@Import({StandInFlows.class, CompletionsControllerTest.TwoTenants.class, OpenAiConfiguration.class, OpenAiErrors.class})
class CompletionsControllerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String IMAGE_ID = StandInFlows.IMAGE_ID;
    private static final String MODEL = "osprey-7b";
    private static final String REGIONS = "[{\"box\": [0, 0, 2, 2]}, {\"box\": [1, 1, 2, 2]}]";
    private static final String ALICE = "alice-key";
    private static final String BOB = "bob-key";

    /** The keys of alice and bob, for {@link StandInFlows}' access check. */
    @TestConfiguration(proxyBeanMethods = false)
    static class TwoTenants {

        @Bean
        ApiKeys apiKeys() {
            return new ApiKeys(List.of("alice=" + ALICE, "bob=" + BOB));
        }
    }

    @Autowired
    WebTestClient anonymous;
    @Autowired
    StandInBackends standIns;
    private final List<GenerateRequest> generated = new CopyOnWriteArrayList<>();
    /** Alice's client, with her key as the OpenAI SDK sends it. */
    private WebTestClient client;

    @BeforeEach
    void fresh() {
        standIns.reset();
        client = anonymous.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ALICE).build();
        StandInFlows.upload(client);
        standIns.generation((request, responses) -> {
            generated.add(request);
            responses.onNext(StandInBackends.piece(0, "a red "));
            responses.onNext(StandInBackends.piece(0, ""));
            responses.onNext(StandInBackends.piece(0, "apple"));
            responses.onNext(StandInBackends.finished(0, "a red apple"));
            responses.onCompleted();
        });
    }

    @Test
    void theModelListHasTheServedModelAndOnlyItIsFound() {
        client.get().uri("/v1/models").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.object").isEqualTo("list")
                .jsonPath("$.data[0].id").isEqualTo(MODEL).jsonPath("$.data[0].object").isEqualTo("model")
                .jsonPath("$.data[0].owned_by").isEqualTo("osprey").jsonPath("$.data[0].created").value(Long.class, c -> assertThat(c).isPositive())
                .jsonPath("$.data.length()").isEqualTo(1);
        client.get().uri("/v1/models/{id}", MODEL).exchange().expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo(MODEL);
        client.get().uri("/v1/models/gpt-4o").exchange()
                .expectStatus().isNotFound()
                .expectBody().json("{\"error\": {\"type\": \"invalid_request_error\", \"code\": \"model_not_found\", \"param\": \"model\","
                        + " \"message\": \"model: the model 'gpt-4o' does not exist; this server serves 'osprey-7b' (GET /v1/models)\"}}");
    }

    @Test
    void aCompletionAsksWhatTheNativeChatAsksAndAnswersItsText() {
        JsonNode nativeAnswer = post("/v1/chat", "{\"image_id\": \"" + IMAGE_ID + "\", \"regions\": " + REGIONS + ", \"prompt\": \"Is <region1>"
                + " on <region2>?\", \"history\": [{\"role\": \"user\", \"content\": \"What is <region1>?\"}, {\"role\": \"assistant\","
                + " \"content\": \"a cup\"}], \"temperature\": 0, \"max_new_tokens\": 9, \"stop\": [\"!\"]}");
        JsonNode completion = post("/v1/chat/completions", "{\"model\": \"" + MODEL + "\", \"regions\": " + REGIONS + ", \"messages\": ["
                + "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"What is <region1>?\"}, " + uploaded() + "]},"
                + "{\"role\": \"assistant\", \"content\": \"a cup\"}, {\"role\": \"user\", \"content\": \"Is <region1> on <region2>?\"}],"
                + " \"temperature\": 0, \"max_tokens\": 9, \"stop\": \"!\"}");

        assertThat(generated).hasSize(2);
        assertThat(generated.get(1)).as("the llm-service's request").isEqualTo(generated.get(0));
        assertThat(completion.get("id").asString()).matches("chatcmpl-[0-9a-f]{32}");
        assertThat(completion.get("object").asString()).isEqualTo("chat.completion");
        assertThat(completion.get("model").asString()).isEqualTo(MODEL);
        assertThat(completion.get("created").asLong()).isPositive();
        JsonNode choice = completion.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"" + nativeAnswer.get("text").asString() + "\"}");
        assertThat(choice.get("finish_reason").asString()).isEqualTo("stop");
        assertUsage(completion.get("usage"));
    }

    @Test
    void aWholeAnswerSaysItsStageTimesInServerTimingAsTheNativeOneDoes() {
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"n\": 1")).exchange()
                .expectStatus().isOk()
                .expectHeader().value("Server-Timing", timing -> assertThat(timing).startsWith("queue;dur=").contains(", decode;dur="));
    }

    @Test
    void aStreamSendsTheRoleThePiecesTheFinishAndTheUsageThenDone() {
        String stream = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(question("\"stream\": true, \"stream_options\": {\"include_usage\": true}"))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .expectHeader().value("Server-Timing", timing -> assertThat(timing).startsWith("encode;dur=").contains(", extract;dur="))
                .expectBody(String.class).returnResult().getResponseBody();

        List<String> data = stream.lines().filter(line -> line.startsWith("data:")).map(line -> line.substring(5)).toList();
        assertThat(data).hasSize(6).endsWith("[DONE]");
        List<JsonNode> chunks = data.subList(0, 5).stream().map(JSON::readTree).toList();
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asString()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asString()).isEqualTo(chunks.getFirst().get("id").asString()).startsWith("chatcmpl-");
            assertThat(chunk.get("model").asString()).isEqualTo(MODEL);
        });
        assertThat(chunks.get(0).get("choices").toString()).isEqualTo("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]");
        assertThat(chunks.get(1).get("choices").get(0).get("delta").toString()).isEqualTo("{\"content\":\"a red \"}");
        assertThat(chunks.get(2).get("choices").get(0).get("delta").toString()).as("no empty piece").isEqualTo("{\"content\":\"apple\"}");
        assertThat(chunks.get(3).get("choices").toString()).isEqualTo("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]");
        assertThat(chunks.subList(0, 4)).allSatisfy(chunk -> assertThat(chunk.has("usage")).isFalse());
        assertThat(chunks.get(4).get("choices").toString()).isEqualTo("[]");
        assertUsage(chunks.get(4).get("usage"));
    }

    @Test
    void aStreamWithoutIncludeUsageEndsWithTheFinishChunk() {
        String stream = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"stream\": true"))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        List<String> data = stream.lines().filter(line -> line.startsWith("data:")).toList();
        assertThat(data).hasSize(5);
        assertThat(data.get(3)).contains("\"finish_reason\":\"stop\"");
        assertThat(data.get(4)).isEqualTo("data:[DONE]");
    }

    @Test
    void theLengthLimitIsFinishReasonLength() {
        standIns.generation((request, responses) -> {
            responses.onNext(finished("ab", FinishReason.FINISH_REASON_LENGTH));
            responses.onCompleted();
        });
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"max_tokens\": 2")).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.choices[0].finish_reason").isEqualTo("length");
    }

    @Test
    void aCancelledAnswerIs503WholeAndAnErrorEventStreamed() {
        standIns.generation((request, responses) -> {
            responses.onNext(StandInBackends.piece(0, "Half"));
            responses.onNext(finished("Half", FinishReason.FINISH_REASON_CANCELLED));
            responses.onCompleted();
        });
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"max_tokens\": 2")).exchange()
                .expectStatus().isEqualTo(503)
                .expectBody().jsonPath("$.error.type").isEqualTo("server_error").jsonPath("$.error.code").isEqualTo("cancelled");
        List<String> data = streamData(question("\"stream\": true"));
        assertThat(data).hasSize(3);
        assertThat(data.get(2)).startsWith("{\"error\":{\"message\":\"the answer was cancelled before it finished");
    }

    @Test
    void aFailureAfterTheStreamStartedIsItsLastEventInOpenAisShape() {
        standIns.generation((request, responses) -> {
            responses.onNext(StandInBackends.piece(0, "Half"));
            responses.onError(Status.UNAVAILABLE.withDescription("going away").asRuntimeException());
        });
        List<String> data = streamData(question("\"stream\": true"));
        assertThat(data).hasSize(3);
        assertThat(data.get(2)).isEqualTo("{\"error\":{\"message\":\"llm-service is unavailable\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"unavailable\"}}");
    }

    @Test
    void aFailureBeforeTheStreamStartsIsAnHttpErrorInOpenAisShape() {
        String never = ImageId.of(ByteBuffer.wrap("never uploaded".getBytes(StandardCharsets.UTF_8)));
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).header(RequestIds.HEADER, "oa-1")
                .bodyValue(question("\"stream\": true").replace(IMAGE_ID, never))
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().valueEquals(RequestIds.HEADER, "oa-1")
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.error.message").isEqualTo(RegionAsks.notKnown(never).getMessage())
                .jsonPath("$.error.type").isEqualTo("invalid_request_error").jsonPath("$.error.code").isEqualTo("not_found");
        standIns.refuse(StandInBackends.LLM, "Generate");
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"stream\": true")).exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("Retry-After", "1")
                .expectBody().jsonPath("$.error.type").isEqualTo("requests").jsonPath("$.error.code").isEqualTo("rate_limit_exceeded");
    }

    @Test
    void aBodyThatDoesNotParseNamesTheParameter() {
        assertBadRequest(question("\"max_tokens\": \"8\""), "max_tokens", "max_tokens: expected an integer, got a string");
        assertBadRequest(question("\"functions\": []"), "functions", "unknown field 'functions'");
        assertBadRequest(question("\"regions\": [{\"box\": [1, 2]}]"), null, "regions[0].box: expected [x, y, width, height], got [1.0, 2.0]");
        assertBadRequest(question("\"n\": 3"), "n", "n: one choice is generated per request (n = 1), got 3");
        assertBadRequest("{\"model\": ", null, "request body: not valid JSON");
    }

    @Test
    void aDataUrlImageIsUploadedWithTheQuestion() {
        String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString("another image".getBytes(StandardCharsets.UTF_8));
        post("/v1/chat/completions", question("\"temperature\": 0").replace("osprey://images/" + IMAGE_ID, dataUrl));
        String id = new Tenant("alice").internalId(ImageId.of(ByteBuffer.wrap("another image".getBytes(StandardCharsets.UTF_8))));
        assertThat(generated.getLast().getImageId()).isEqualTo(id);
        assertThat(standIns.holds(standIns.owner(id), id)).isTrue();
    }

    @Test
    void withoutAValidKeyEveryRouteIs401InOpenAisShape() {
        for (WebTestClient.RequestHeadersSpec<?> request : List.of(anonymous.get().uri("/v1/models"),
                anonymous.get().uri("/v1/models/{id}", MODEL),
                anonymous.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"stream\": true")))) {
            request.exchange()
                    .expectStatus().isUnauthorized()
                    .expectBody().json("{\"error\": {\"message\": \"an API key is required: send Authorization: Bearer KEY or X-API-Key: KEY\","
                            + " \"type\": \"invalid_request_error\", \"param\": null, \"code\": \"invalid_api_key\"}}");
        }
        anonymous.get().uri("/v1/models").header(HttpHeaders.AUTHORIZATION, "Bearer sk-not-ours").exchange()
                .expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.error.message").isEqualTo("the API key is not valid");
        assertThat(generated).isEmpty();
    }

    @Test
    void anotherTenantsUploadIsUnknownInTheWordsOfOneNeverUploaded() {
        WebTestClient bob = anonymous.mutate().defaultHeader("X-API-Key", BOB).build();
        String never = ImageId.of(ByteBuffer.wrap("never uploaded".getBytes(StandardCharsets.UTF_8)));
        byte[] alices = bob.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(question("\"n\": 1"))
                .exchange().expectStatus().isNotFound().expectBody().returnResult().getResponseBody();
        byte[] nevers = bob.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(question("\"n\": 1").replace(IMAGE_ID, never)).exchange().expectStatus().isNotFound().expectBody()
                .returnResult().getResponseBody();
        assertThat(new String(alices, StandardCharsets.UTF_8).replace(IMAGE_ID, "ID"))
                .isEqualTo(new String(nevers, StandardCharsets.UTF_8).replace(never, "ID"));
        assertThat(generated).isEmpty();
        post("/v1/chat/completions", question("\"n\": 1"));
        assertThat(generated).as("alice's image answers her").hasSize(1);
    }

    private void assertBadRequest(String body, String param, String message) {
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.type").isEqualTo("invalid_request_error")
                .jsonPath("$.error.param").isEqualTo(param)
                .jsonPath("$.error.message").value(String.class, m -> assertThat(m).contains(message));
    }

    /** The stand-in's token counts, and the stage times (an extension) OpenAI's usage does not have. */
    private static void assertUsage(JsonNode usage) {
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(11);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(1);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("timings").propertyNames()).containsExactly("queue_ms", "encode_ms", "extract_ms", "prefill_ms", "decode_ms");
    }

    private static AnswerEvent finished(String text, FinishReason reason) {
        AnswerEvent end = StandInBackends.finished(0, text);
        return end.toBuilder().setFinished(end.getFinished().toBuilder().setReason(reason)).build();
    }

    private static String uploaded() {
        return "{\"type\": \"image_url\", \"image_url\": {\"url\": \"osprey://images/" + IMAGE_ID + "\"}}";
    }

    /** A one-message question about the upload, with {@code fields} added. */
    private static String question(String fields) {
        return "{\"model\": \"" + MODEL + "\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"What is it?\"}, "
                + uploaded() + "]}], " + fields + "}";
    }

    private JsonNode post(String path, String body) {
        byte[] answer = client.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(answer);
    }

    private List<String> streamData(String body) {
        String stream = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return stream.lines().filter(line -> line.startsWith("data:")).map(line -> line.substring(5)).toList();
    }
}

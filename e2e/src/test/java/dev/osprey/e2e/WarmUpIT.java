package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.osprey.model.Golden;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The warm-up at upload, through the four services as processes: an upload says it is warming, the
 * llm-service computes the image's prefix in the background, and by its own metrics the first
 * question then hits the prefix cache; a question that races the warm-up computes the prefix once.
 * Each test uploads an image of its own (same pixels, other bytes), so no other test has cached it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WarmUpIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofMinutes(2);
    private static final String HIT = "result=\"hit\"";
    private static final String MISS = "result=\"miss\"";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private LocalStack stack;
    private byte[] png;

    @BeforeAll
    void startStack() throws Exception {
        stack = LocalStack.get();
        png = Files.readAllBytes(Golden.file("inputs/images/s1_img0.png"));
    }

    @Test
    void theFirstQuestionAfterTheWarmUpHitsThePrefixCache() throws Exception {
        double warmedBefore = llm("osprey_warm_up_done_total", "result=\"computed\"");
        String imageId = upload("warm-up first question");
        await().atMost(PATIENCE).until(() -> llm("osprey_warm_up_done_total", "result=\"computed\"") == warmedBefore + 1);

        double hits = prefix(HIT);
        double misses = prefix(MISS);
        double cachedTokens = llm("osprey_generate_tokens_total", "phase=\"cached\"");
        ask(imageId);

        assertThat(prefix(HIT)).as("prefix cache hits").isEqualTo(hits + 1);
        assertThat(prefix(MISS)).as("prefix cache misses").isEqualTo(misses);
        assertThat(llm("osprey_generate_tokens_total", "phase=\"cached\"")).as("prompt positions from the cache").isGreaterThan(cachedTokens);
    }

    @Test
    void aQuestionRacingTheWarmUpComputesThePrefixOnce() throws Exception {
        double finishedBefore = llm("osprey_warm_up_done_total");
        double misses = prefix(MISS);
        double hits = prefix(HIT);
        String imageId = upload("warm-up race");
        // At once: the question finds the warm-up queued or running, or comes after it; either way one computation.
        ask(imageId);
        await().atMost(PATIENCE).until(() -> llm("osprey_warm_up_done_total") == finishedBefore + 1);

        assertThat(prefix(MISS)).as("prefix computations for the question and the warm-up").isEqualTo(misses + 1);
        assertThat(prefix(HIT)).as("the other of the two found it or joined it").isEqualTo(hits + 1);
        assertThat(llm("osprey_warm_up_done_total", "result=\"failed\"")).isZero();
    }

    private String upload(String variant) throws Exception {
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(gateway("/v1/images")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PngVariants.withText(png, variant))).timeout(PATIENCE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(uploaded.body());
        assertThat(body.get("warming").asBoolean()).as(uploaded.body()).isTrue();
        return body.get("image_id").asString();
    }

    private void ask(String imageId) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(gateway("/v1/chat")).header("Content-Type", "application/json")
                .timeout(PATIENCE).POST(HttpRequest.BodyPublishers.ofString("{\"image_id\": \"" + imageId + "\", \"task\": \"short\", "
                        + "\"temperature\": 0, \"max_new_tokens\": 4, \"regions\": [{\"box\": [100, 120, 200, 150]}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private double prefix(String result) throws Exception {
        return llm("osprey_cache_requests_total", "cache=\"prefix\"", result);
    }

    private double llm(String name, String... labels) throws Exception {
        return Prometheus.scrape(stack.process("llm-service")).sum(name, labels);
    }

    private URI gateway(String path) {
        return URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort + path);
    }
}

package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Continuous batching through the four services as processes: questions about four different images
 * asked at once through the gateway get exactly the answers they get asked one at a time (greedy and
 * seeded, tasks over two regions and free prompts), and by the llm-service's own meters its decoder
 * steps carried more than one sequence. Each image is uploaded as bytes of its own, so no other test
 * has cached its prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchingIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofMinutes(2);
    // Rounds of questions asked at once until one shares a step; on two busy cores the first nearly always does.
    private static final int ROUNDS = 3;
    // Two boxes inside every golden image (the smallest is 333 x 500, the flattest 1024 x 200).
    private static final String TWO_BOXES = "[{\"box\": [20, 20, 150, 120]}, {\"box\": [160, 30, 100, 100]}]";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private final ExecutorService clients = Executors.newFixedThreadPool(Golden.CASES.length);
    private final List<String> questions = new ArrayList<>();
    private LocalStack stack;

    @BeforeAll
    void uploadFourImages() throws Exception {
        stack = LocalStack.get();
        String[] asks = {
            "\"task\": \"short\", \"temperature\": 0",
            "\"prompt\": \"How does <region1> relate to <region2>?\", \"temperature\": 0.8, \"top_k\": 20, \"seed\": 5",
            "\"prompt\": \"What are <region2> and <region1>?\", \"temperature\": 0",
            "\"task\": \"category\", \"temperature\": 1.0, \"top_k\": 40, \"seed\": 11"};
        for (int i = 0; i < Golden.CASES.length; i++) {
            String imageId = upload(Files.readAllBytes(Golden.file("inputs/images/" + Golden.CASES[i] + ".png")));
            questions.add("{\"image_id\": \"" + imageId + "\", " + asks[i] + ", \"max_new_tokens\": 48, \"regions\": " + TWO_BOXES + "}");
        }
    }

    @AfterAll
    void stopClients() {
        clients.shutdownNow();
    }

    @Test
    void questionsAboutDifferentImagesAskedAtOnceGetTheirAnswersAloneAndShareDecoderSteps() throws Exception {
        List<JsonNode> oneAtATime = new ArrayList<>();
        for (String question : questions) {
            oneAtATime.add(withoutTimings(ask(question)));
        }
        boolean shared = false;
        for (int round = 1; round <= ROUNDS && !shared; round++) {
            double steps = llm("osprey_generate_batch_steps_total");
            double rows = llm("osprey_generate_batch_rows_total");
            List<CompletableFuture<JsonNode>> together = new ArrayList<>();
            for (String question : questions) {
                together.add(CompletableFuture.supplyAsync(() -> ask(question), clients));
            }
            for (int i = 0; i < questions.size(); i++) {
                assertThat(withoutTimings(together.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)))
                        .as("round %d, question about %s", round, Golden.CASES[i]).isEqualTo(oneAtATime.get(i));
            }
            shared = llm("osprey_generate_batch_rows_total") - rows > llm("osprey_generate_batch_steps_total") - steps;
        }
        assertThat(shared).as("some decoder step of the llm-service carried more than one sequence").isTrue();
    }

    private String upload(byte[] png) throws Exception {
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(gateway("/v1/images")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PngVariants.withText(png, "batching"))).timeout(PATIENCE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        return JSON.readTree(uploaded.body()).get("image_id").asString();
    }

    private JsonNode ask(String question) {
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(gateway("/v1/chat")).header("Content-Type", "application/json")
                    .timeout(PATIENCE).POST(HttpRequest.BodyPublishers.ofString(question)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            return JSON.readTree(answer.body());
        } catch (Exception e) {
            throw new AssertionError("asking " + question, e);
        }
    }

    // An answer without its timings, which differ from run to run; ids, text, reasons and token counts stay.
    private static JsonNode withoutTimings(JsonNode answer) {
        ObjectNode copy = (ObjectNode) answer.deepCopy();
        List<JsonNode> answers = new ArrayList<>(List.of(copy));
        if (copy.has("answers") && copy.get("answers").isArray()) {
            copy.get("answers").forEach(answers::add);
        }
        for (JsonNode node : answers) {
            if (node.get("usage") instanceof ObjectNode usage) {
                usage.remove(List.of("time_to_first_token_ms", "total_ms", "timings"));
            }
        }
        return copy;
    }

    private double llm(String name) throws Exception {
        return Prometheus.scrape(stack.process("llm-service")).sum(name);
    }

    private URI gateway(String path) {
        return URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort + path);
    }
}

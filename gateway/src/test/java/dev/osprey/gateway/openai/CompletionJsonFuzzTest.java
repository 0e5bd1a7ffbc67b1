package dev.osprey.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.gateway.flow.StandInBackends;
import dev.osprey.gateway.rest.StandInFlows;
import dev.osprey.model.fuzz.JsonMutations;
import dev.osprey.model.fuzz.Mutant;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mutations of valid {@code POST /v1/chat/completions} bodies (an upload by id and an RGBA data URL
 * whose alpha is a region, native region forms with a Segment Anything prompt, a conversation, streaming) posted to the gateway over
 * stand-in backends: each is answered 200, or with a client error (400, 404, 413) in OpenAI's shape
 * whose message names the problem; never a 500, a stack trace or a Java type name. Seeded, so a
 * failure names an iteration that replays the same way.
 */
@WebFluxTest
@Import({StandInFlows.class, CompletionsControllerTest.TwoTenants.class, OpenAiConfiguration.class, OpenAiErrors.class})
class CompletionJsonFuzzTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String IMAGE_ID = StandInFlows.IMAGE_ID;
    private static final long SEED = 0x0A1_0017L;
    private static final int ITERATIONS = 300;
    /** Keys the mutations add: the body's own (so a value of the wrong kind lands where it is read) and strangers. */
    private static final String[] KEYS = {"model", "messages", "regions", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "top_k", "seed", "stop", "n", "stream", "stream_options", "include_usage", "role", "content", "type", "text", "image_url", "url",
        "box", "rle", "size", "counts", "polygons", "points", "segment", "logprobs", "tools"};
    private static final List<String> SEEDS = List.of(
            "{\"model\": \"osprey-7b\", \"temperature\": 0, \"max_tokens\": 8, \"regions\": [{\"box\": [0, 0, 2, 2]}, {\"rle\": {\"size\": [3, 4],"
                    + " \"counts\": [1, 4, 7]}}, {\"points\": [[1, 1, 1]]}], \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\","
                    + " \"text\": \"Is <region1> on <region2> or <region3>?\"}, {\"type\": \"image_url\", \"image_url\": {\"url\":"
                    + " \"osprey://images/" + IMAGE_ID + "\"}}]}]}",
            "{\"model\": \"osprey-7b\", \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"stop\": [\".\", \"!\"], \"seed\": 3,"
                    + " \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"" + alphaDataUrl()
                    + "\"}}, {\"type\": \"text\", \"text\": \"What is <region1>?\"}]}]}",
            "{\"model\": \"osprey-7b\", \"max_completion_tokens\": 4, \"top_p\": 0.9, \"top_k\": 5, \"regions\": [{\"polygons\": [[0, 0, 3, 0, 3,"
                    + " 2]]}], \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"What is <region1>?\"}, {\"type\":"
                    + " \"image_url\", \"image_url\": {\"url\": \"osprey://images/" + IMAGE_ID + "\"}}]}, {\"role\": \"assistant\", \"content\":"
                    + " \"a cup\"}, {\"role\": \"user\", \"content\": \"And next to <region1>?\"}]}");

    @Autowired
    WebTestClient anonymous;
    @Autowired
    StandInBackends standIns;
    private WebTestClient client;

    @BeforeEach
    void upload() {
        standIns.reset();
        client = anonymous.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer alice-key").responseTimeout(Duration.ofSeconds(20)).build();
        StandInFlows.upload(client);
    }

    @Test
    void theSeedsAreValid() {
        SEEDS.forEach(body -> assertThat(post(body.getBytes(StandardCharsets.UTF_8)).getStatus().value()).as(body).isEqualTo(200));
    }

    @Test
    void mutatedBodiesAreAnsweredOrRefusedSayingWhyNeverWithAServerError() {
        List<String> failures = new ArrayList<>();
        int answered = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            Random random = new Random(new SplittableRandom(SEED * 0x9E3779B97F4A7C15L + i).nextLong());
            int seed = random.nextInt(SEEDS.size());
            Mutant mutant = JsonMutations.mutate(random, SEEDS.get(seed).getBytes(StandardCharsets.UTF_8), "seed " + seed, KEYS);
            EntityExchangeResult<byte[]> result;
            try {
                result = post(mutant.bytes());
            } catch (IllegalStateException e) {
                failures.add("iteration " + i + " [" + mutant.description() + "]: no answer: " + e.getMessage());
                continue;
            }
            int status = result.getStatus().value();
            String body = result.getResponseBody() == null ? "" : new String(result.getResponseBody(), StandardCharsets.UTF_8);
            if (status == 200 && answers(body)) {
                answered++;
            } else if (!Set.of(400, 404, 413).contains(status) || !explains(body)) {
                failures.add("iteration " + i + " [" + mutant.description() + "]: " + status + " " + body);
            }
        }
        assertThat(failures).as("bodies answered other than 200 or a client error that says why").isEmpty();
        // The share answered shows whether the mutations still reach past the JSON checks.
        System.out.printf("completion JSON fuzz: %d iterations, %d answered, the others refused, seed 0x%x%n", ITERATIONS, answered, SEED);
        assertThat(answered).as("mutations that still make a valid request").isPositive();
    }

    /** Whether a 200 body is a whole completion or a stream that ends with [DONE]. */
    private static boolean answers(String body) {
        return body.startsWith("{\"id\":\"chatcmpl-") || body.strip().endsWith("data:[DONE]");
    }

    /** Whether {@code body} is OpenAI's error JSON from a client error, with a message that names no Java type. */
    private static boolean explains(String body) {
        try {
            JsonNode error = JSON.readTree(body).get("error");
            String message = error.get("message").asString();
            return !message.isBlank() && !message.contains("dev.osprey") && !message.contains("java.") && !message.contains("Exception")
                    && error.get("type").asString().equals("invalid_request_error") && !error.get("code").asString().equals("internal");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private EntityExchangeResult<byte[]> post(byte[] body) {
        return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectBody()
                .returnResult();
    }

    /** A 4 x 3 RGBA PNG, transparent but for two pixels: its alpha is a region. */
    private static String alphaDataUrl() {
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(1, 1, 0xFF808080);
        image.setRGB(2, 1, 0x80808080);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    }
}

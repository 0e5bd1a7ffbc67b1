package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.model.Golden;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A question's whole path through the four real processes: upload a golden image to the gateway, ask
 * about its regions in every mask format over REST (JSON and SSE) and gRPC, and compare each greedy
 * answer with {@code osprey generate --greedy} on the same input; then prove through the services'
 * own metrics that a follow-up neither re-encodes the image nor misses the prefix cache; then kill
 * the extractor mid-run and watch the gateway answer 503 and recover.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegionFlowIT {

    private static final int TOKENS = 12;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private LocalStack stack;
    private Path image;
    private Path masks;
    private String imageId;

    @BeforeAll
    void startStack() throws Exception {
        stack = LocalStack.get();
        image = Golden.file("inputs/images/s1_img0.png");
        masks = Golden.file("inputs/masks");
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(gateway("/v1/images")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofFile(image)).timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(uploaded.body());
        assertThat(body.get("width").asInt()).isEqualTo(640);
        assertThat(body.get("height").asInt()).isEqualTo(480);
        imageId = body.get("image_id").asString();
    }

    @Test
    @Order(1)
    void restAnswersEqualTheCliInEveryMaskFormat() throws Exception {
        JsonNode expected = OspreyCli.generate(image, List.of(masks.resolve("s1_img0_m0.png")), List.of("--task", "short"), TOKENS);
        String rle = JSON.readTree(masks.resolve("s1_img0_m0.rle.json").toFile()).toString();
        String polygon = JSON.readTree(masks.resolve("s1_img0_m0.poly.json").toFile()).get("segmentation").toString();
        String png = Base64.getEncoder().encodeToString(Files.readAllBytes(masks.resolve("s1_img0_m0.png")));
        for (String region : List.of("{\"rle\": " + rle + "}", "{\"polygons\": " + polygon + "}", "{\"png\": \"" + png + "\"}")) {
            JsonNode answer = chat("{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"regions\": [" + region + "], "
                    + "\"temperature\": 0, \"max_new_tokens\": " + TOKENS + "}");
            assertThat(answer.get("output_ids").toString()).as("output ids with %s", region.substring(0, 10))
                    .isEqualTo(expected.get("output_ids").toString());
            assertThat(answer.get("text").asString()).isEqualTo(expected.get("text").asString());
            assertThat(answer.get("usage").get("completion_tokens").asInt()).isEqualTo(expected.get("output_ids").size());
        }
    }

    @Test
    @Order(2)
    void aBoxAndATaskOverTwoRegionsEqualTheCli() throws Exception {
        Path box = Files.createTempFile("box", ".json");
        Files.writeString(box, "{\"size\": [480, 640], \"bbox\": [100, 120, 200, 150]}");
        JsonNode expected = OspreyCli.generate(image, List.of(masks.resolve("s1_img0_m1.png"), box), List.of("--task", "category"), TOKENS);
        JsonNode answer = chat("{\"image_id\": \"" + imageId + "\", \"task\": \"category\", \"temperature\": 0, \"max_new_tokens\": "
                + TOKENS + ", \"regions\": [{\"rle\": " + JSON.readTree(masks.resolve("s1_img0_m1.rle.json").toFile())
                + "}, {\"box\": [100, 120, 200, 150]}]}");
        for (int q = 0; q < 2; q++) {
            assertThat(answer.get("answers").get(q).get("index").asInt()).isEqualTo(q);
            assertThat(answer.get("answers").get(q).get("output_ids").toString())
                    .isEqualTo(expected.get("answers").get(q).get("output_ids").toString());
        }
        Files.delete(box);
    }

    @Test
    @Order(3)
    void sseStreamsPiecesThatMakeTheCliAnswer() throws Exception {
        JsonNode expected = OspreyCli.generate(image, List.of(masks.resolve("s1_img0_m2.png")),
                List.of("--prompt", "What is <region1> next to?"), TOKENS);
        String rle = JSON.readTree(masks.resolve("s1_img0_m2.rle.json").toFile()).toString();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway("/v1/chat")).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString("{\"image_id\": \"" + imageId + "\", \"prompt\": \"What is <region1> next to?\", "
                        + "\"regions\": [{\"rle\": " + rle + "}], \"temperature\": 0, \"max_new_tokens\": " + TOKENS + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        StringBuilder pieces = new StringBuilder();
        JsonNode done = null;
        Matcher event = Pattern.compile("event:(\\w+)\\ndata:(.*)\\n").matcher(response.body());
        while (event.find()) {
            JsonNode data = JSON.readTree(event.group(2));
            switch (event.group(1)) {
                case "piece" -> pieces.append(data.get("text").asString());
                case "done" -> done = data;
                default -> throw new AssertionError("unexpected event " + event.group());
            }
        }
        assertThat(done).as("a done event in %s", response.body()).isNotNull();
        assertThat(pieces.toString()).isEqualTo(done.get("text").asString()).isEqualTo(expected.get("text").asString());
        assertThat(done.get("output_ids").toString()).isEqualTo(expected.get("output_ids").toString());
        assertThat(done.get("finish_reason").asString()).isIn("stop", "length");
    }

    @Test
    @Order(4)
    void grpcAnswersEqualTheCli() throws Exception {
        JsonNode expected = OspreyCli.generate(image, List.of(masks.resolve("s1_img0_m0.png")), List.of("--task", "detailed"), TOKENS);
        JsonNode rle = JSON.readTree(masks.resolve("s1_img0_m0.rle.json").toFile());
        AskRequest ask = AskRequest.newBuilder()
                .setImage(ImageRef.newBuilder().setImageBytes(ByteString.copyFrom(Files.readAllBytes(image))))
                .addRegions(Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(480).setWidth(640)
                        .setCompressed(rle.get("counts").asString())))
                .setTask(Task.TASK_DETAILED_DESCRIPTION).setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(TOKENS).build();
        List<Integer> ids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Iterator<AnswerEvent> events = RegionServiceGrpc.newBlockingStub(stack.channel("gateway")).withDeadlineAfter(120, TimeUnit.SECONDS)
                .ask(ask);
        AnswerEvent last = null;
        while (events.hasNext()) {
            last = events.next();
            if (last.hasPiece()) {
                ids.addAll(last.getPiece().getTokenIdsList());
                text.append(last.getPiece().getText());
            }
        }
        assertThat(last.hasFinished()).isTrue();
        assertThat(last.getFinished().getOutputIdsList()).isEqualTo(ids);
        assertThat(ids.toString().replace(" ", "")).isEqualTo(expected.get("output_ids").toString());
        assertThat(text.toString()).isEqualTo(expected.get("text").asString());
    }

    @Test
    @Order(5)
    void aFollowUpNeitherEncodesAgainNorMissesThePrefixCache() throws Exception {
        double encodesBefore = metric("encoder-service", "osprey_encode_duration_seconds_count");
        double prefixHitsBefore = metric("llm-service", "osprey_cache_requests_total", "cache=\"prefix\"", "result=\"hit\"");
        double prefixMissesBefore = metric("llm-service", "osprey_cache_requests_total", "cache=\"prefix\"", "result=\"miss\"");
        chat("{\"image_id\": \"" + imageId + "\", \"prompt\": \"And <region1>?\", \"temperature\": 0, \"max_new_tokens\": 4, "
                + "\"regions\": [{\"box\": [10, 10, 50, 50]}]}");
        assertThat(metric("encoder-service", "osprey_encode_duration_seconds_count")).as("vision tower runs").isEqualTo(encodesBefore);
        assertThat(metric("llm-service", "osprey_cache_requests_total", "cache=\"prefix\"", "result=\"hit\"")).isEqualTo(prefixHitsBefore + 1);
        assertThat(metric("llm-service", "osprey_cache_requests_total", "cache=\"prefix\"", "result=\"miss\"")).isEqualTo(prefixMissesBefore);
    }

    @Test
    @Order(6)
    void aMultipartUploadGivesTheSameIdAndBadQuestionsNameTheirProblem() throws Exception {
        String boundary = "osprey-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"s1_img0.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        HttpResponse<String> multipart = http.send(HttpRequest.newBuilder(gateway("/v1/images")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head), HttpRequest.BodyPublishers.ofFile(image),
                        HttpRequest.BodyPublishers.ofByteArray(tail))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(multipart.statusCode()).as(multipart.body()).isEqualTo(200);
        assertThat(JSON.readTree(multipart.body()).get("image_id").asString()).isEqualTo(imageId);

        String box = "{\"box\": [10, 10, 50, 50]}";
        assertBadRequest("{\"image_id\": \"" + imageId + "\", \"prompt\": \"Is <region2> near <region1>?\", \"regions\": [" + box + "]}",
                "region");
        assertBadRequest("{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"regions\": [{\"rle\": {\"size\": [480, 640], "
                + "\"counts\": [307200]}}]}", "region 1: mask is empty");
        assertBadRequest("{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"regions\": [{\"rle\": {\"size\": [48, 64], "
                + "\"counts\": [3072]}}]}", "region 1: mask is 64x48, the image is 640x480");
        HttpResponse<String> notAnImage = http.send(HttpRequest.newBuilder(gateway("/v1/images")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofString("not an image")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(notAnImage.statusCode()).as(notAnImage.body()).isEqualTo(400);
    }

    private void assertBadRequest(String json, String message) throws Exception {
        HttpResponse<String> response = post(json);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").get("message").asString()).contains(message);
    }

    @Test
    @Order(7)
    void aKilledExtractorIs503ByNameUntilItIsBack() throws Exception {
        String question = "{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"temperature\": 0, \"max_new_tokens\": 4, "
                + "\"regions\": [{\"box\": [10, 10, 50, 50]}]}";
        JsonNode before = chat(question);
        ServiceProcess extractor = stack.process("extractor-service");
        extractor.kill();
        HttpResponse<String> down = post(question);
        assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
        assertThat(JSON.readTree(down.body()).get("error").get("message").asString()).isEqualTo("extractor-service is unavailable");
        extractor.start();
        stack.awaitServing("extractor-service");
        assertThat(chat(question).get("output_ids")).isEqualTo(before.get("output_ids"));
    }

    @Test
    @Order(8)
    void aDeletedImageIsForgottenEverywhere() throws Exception {
        double prefixMissesBefore = metric("llm-service", "osprey_cache_requests_total", "cache=\"prefix\"", "result=\"miss\"");
        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(gateway("/v1/images/" + imageId)).timeout(Duration.ofSeconds(120))
                .DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("{\"deleted\":true}");
        HttpResponse<String> gone = post("{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"regions\": [{\"box\": [1, 1, 9, 9]}]}");
        assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
        assertThat(gone.body()).contains("upload the image again");
        assertThat(http.send(HttpRequest.newBuilder(gateway("/v1/images/" + imageId)).timeout(Duration.ofSeconds(120)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        // Uploaded again, the image is encoded anew and its prefix computed anew: nothing was left behind.
        http.send(HttpRequest.newBuilder(gateway("/v1/images")).timeout(Duration.ofSeconds(120)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofFile(image))
                .build(), HttpResponse.BodyHandlers.ofString());
        chat("{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"temperature\": 0, \"max_new_tokens\": 2, "
                + "\"regions\": [{\"box\": [1, 1, 9, 9]}]}");
        assertThat(metric("llm-service", "osprey_cache_requests_total", "cache=\"prefix\"", "result=\"miss\"")).isEqualTo(prefixMissesBefore + 1);
    }

    private JsonNode chat(String json) throws Exception {
        HttpResponse<String> response = post(json);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> post(String json) throws Exception {
        return http.send(HttpRequest.newBuilder(gateway("/v1/chat")).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String service, String name, String... labels) throws Exception {
        return Prometheus.scrape(stack.process(service)).sum(name, labels);
    }

    private URI gateway(String path) {
        return URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort + path);
    }
}

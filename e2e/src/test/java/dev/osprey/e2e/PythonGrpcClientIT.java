package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.pipeline.ImageId;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client nobody here wrote: Python with Debian's grpcio and stubs that protoc generates from
 * {@code proto/} at test time ({@code e2e/clients/python-grpc/ask.py}) uploads a golden image and asks
 * over osprey.v1.RegionService; its greedy answers, a prompt about an RLE region and a task over a box
 * and a polygon, equal the native REST API's, and an unknown image is NOT_FOUND.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonGrpcClientIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TOKENS = 12;

    private final Path root = Path.of(System.getProperty("osprey.root", ".."));
    private final Path out = root.resolve("e2e/target/python-grpc");
    private final Map<String, JsonNode> asked = new HashMap<>();
    private JsonNode record;
    private byte[] image;
    private NativeApi api;

    @BeforeAll
    void askFromPython() throws Exception {
        ScriptRun python = new ScriptRun(root.resolve("e2e/clients/python-grpc"), out, "Python gRPC client test");
        python.install();
        LocalStack stack = LocalStack.get();
        api = new NativeApi(URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort));
        Path imageFile = Golden.file("inputs/images/s1_img0.png");
        image = Files.readAllBytes(imageFile);
        ArrayNode asks = JSON.createArrayNode();
        asks.add(ask("prompt", JSON.createObjectNode().put("prompt", "What is <region1> doing?").set("regions", JSON.createArrayNode()
                .add(JSON.createObjectNode().set("rle", rle())))));
        asks.add(ask("task", JSON.createObjectNode().put("task", "TASK_CATEGORY").set("regions", JSON.createArrayNode()
                .add(JSON.createObjectNode().set("box", JSON.createObjectNode().put("x", 100).put("y", 120).put("width", 200).put("height", 150)))
                .add(JSON.createObjectNode().set("polygons", JSON.createObjectNode().set("polygons", JSON.createArrayNode()
                        .add(JSON.createObjectNode().set("coordinates", polygon()))))))));
        ObjectNode unknown = JSON.createObjectNode().put("prompt", "What is this?");
        unknown.set("image", JSON.createObjectNode().put("imageId", ImageId.of("never uploaded".getBytes(StandardCharsets.UTF_8))));
        asks.add(ask("unknownImage", unknown));

        Path plan = out.resolve("plan.json");
        ObjectNode planJson = JSON.createObjectNode().put("target", stack.process("gateway").grpcAddress()).put("image", imageFile.toString());
        planJson.set("asks", asks);
        Files.writeString(plan, planJson.toString());
        python.command("ask.log", List.of("/usr/bin/python3", "ask.py", "--proto-dir", root.resolve("proto/src/main/proto").toString(),
                "--plan", plan.toString(), "--out", out.resolve("result.json").toString()), Duration.ofMinutes(5));
        record = JSON.readTree(out.resolve("result.json").toFile());
        System.out.println("Python gRPC client: grpcio " + record.get("grpc").asString());
        record.get("asks").forEach(ask -> asked.put(ask.get("name").asString(), ask));
    }

    @Test
    void theUploadIsNamedByItsDigestWithTheImagesSize() {
        JsonNode upload = record.get("upload");
        assertThat(upload.get("image_id").asString()).isEqualTo(ImageId.of(image));
        assertThat(upload.get("width").asInt()).isEqualTo(640);
        assertThat(upload.get("height").asInt()).isEqualTo(480);
    }

    @Test
    void aPromptAboutAnRleRegionIsTheNativeAnswer() throws Exception {
        JsonNode answer = api.chat(nativeQuestion().put("prompt", "What is <region1> doing?").set("regions", JSON.createArrayNode()
                .add(JSON.createObjectNode().set("rle", JSON.readTree(Golden.file("inputs/masks/s1_img0_m0.rle.json").toFile())))));
        List<JsonNode> events = events("prompt");
        StringBuilder pieces = new StringBuilder();
        events.stream().filter(event -> event.has("piece")).forEach(event -> pieces.append(event.get("piece").get("text").asString()));
        JsonNode finished = events.getLast().get("finished");
        assertThat(finished.get("text").asString()).isNotEmpty().isEqualTo(answer.get("text").asString()).isEqualTo(pieces.toString());
        assertThat(finished.get("output_ids").toString()).isEqualTo(answer.get("output_ids").toString());
        assertThat(finished.get("reason").asString()).isEqualTo("FINISH_REASON_" + answer.get("finish_reason").asString().toUpperCase(Locale.ROOT));
    }

    @Test
    void aTaskOverABoxAndAPolygonIsTheNativeAnswerPerRegion() throws Exception {
        ObjectNode question = nativeQuestion().put("task", "category");
        question.set("regions", JSON.createArrayNode().add(JSON.createObjectNode().set("box", JSON.createArrayNode().add(100).add(120).add(200)
                .add(150))).add(JSON.createObjectNode().set("polygons", JSON.createArrayNode().add(polygon()))));
        JsonNode answers = api.chat(question).get("answers");
        List<JsonNode> finished = events("task").stream().filter(event -> event.has("finished")).toList();
        assertThat(finished).hasSize(2);
        for (JsonNode event : finished) {
            // proto3 JSON leaves out a zero: the first region's index.
            int index = event.has("answer_index") ? event.get("answer_index").asInt() : 0;
            assertThat(event.get("finished").get("output_ids").toString()).as("region %d", index)
                    .isEqualTo(answers.get(index).get("output_ids").toString());
            assertThat(event.get("finished").get("text").asString()).isEqualTo(answers.get(index).get("text").asString());
        }
    }

    @Test
    void anUnknownImageIsNotFoundSayingToUploadIt() {
        JsonNode error = asked.get("unknownImage").get("error");
        assertThat(error.get("code").asString()).isEqualTo("NOT_FOUND");
        assertThat(error.get("details").asString()).contains("upload the image again");
    }

    private static ObjectNode ask(String name, ObjectNode request) {
        request.set("sampling", JSON.createObjectNode().put("greedy", true));
        request.put("maxNewTokens", TOKENS);
        ObjectNode ask = JSON.createObjectNode().put("name", name);
        ask.set("request", request);
        return ask;
    }

    private ObjectNode nativeQuestion() {
        return JSON.createObjectNode().put("image_id", ImageId.of(image)).put("temperature", 0).put("max_new_tokens", TOKENS);
    }

    /** COCO RLE as osprey.v1.CocoRle's proto3 JSON. */
    private static ObjectNode rle() throws Exception {
        JsonNode golden = JSON.readTree(Golden.file("inputs/masks/s1_img0_m0.rle.json").toFile());
        return JSON.createObjectNode().put("height", golden.get("size").get(0).asInt()).put("width", golden.get("size").get(1).asInt())
                .put("compressed", golden.get("counts").asString());
    }

    private static JsonNode polygon() throws Exception {
        return JSON.readTree(Golden.file("inputs/masks/s1_img0_m0.poly.json").toFile()).get("segmentation").get(0);
    }

    private List<JsonNode> events(String name) {
        JsonNode ask = asked.get(name);
        assertThat(ask.has("error")).as("%s: %s", name, ask).isFalse();
        return ask.get("events").valueStream().toList();
    }
}

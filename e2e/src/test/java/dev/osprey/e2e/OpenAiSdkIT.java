package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.PngMasks;
import dev.osprey.model.pipeline.ImageId;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client nobody here wrote: the official OpenAI JavaScript SDK (npm {@code openai}, pinned by
 * {@code e2e/clients/openai-js/package-lock.json}) asks the local stack's {@code /v1/chat/completions}
 * and {@code /v1/models} through {@code run-plan.mjs}; every greedy answer it gets, streamed or whole,
 * about regions in the native forms (a Segment Anything click among them) or in an image's alpha
 * channel, over a conversation, equals the
 * native API's answer to the same question, and the gateway's errors reach it as its own error classes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MODEL = "osprey-7b";
    private static final int TOKENS = 12;

    private final Path root = Path.of(System.getProperty("osprey.root", ".."));
    private final Path out = root.resolve("e2e/target/openai-sdk");
    private final Map<String, JsonNode> got = new HashMap<>();
    private final Map<String, JsonNode> expected = new HashMap<>();
    private String imageId;

    @BeforeAll
    void askThroughTheSdk() throws Exception {
        ScriptRun sdk = new ScriptRun(root.resolve("e2e/clients/openai-js"), out, "OpenAI SDK test");
        sdk.install();
        URI gateway = URI.create("http://127.0.0.1:" + LocalStack.get().process("gateway").httpPort);
        NativeApi api = new NativeApi(gateway);
        byte[] image = Files.readAllBytes(Golden.file("inputs/images/s1_img0.png"));
        imageId = api.upload(image);
        JsonNode rle = JSON.readTree(Golden.file("inputs/masks/s1_img0_m0.rle.json").toFile());
        byte[] mask = Files.readAllBytes(Golden.file("inputs/masks/s1_img0_m1.png"));
        String uploaded = "osprey://images/" + imageId;
        String first = api.chat(nativeQuestion("What is <region1>?", regions(rle))).get("text").asString();

        ArrayNode calls = JSON.createArrayNode();
        calls.add(call("models", "models", JSON.createObjectNode()));
        calls.add(call("model", "model", JSON.createObjectNode().put("id", MODEL)));
        ask(calls, api, "streamed", completion(List.of(user("What is <region1> doing?", dataUrl(image))), regions(rle), true)
                .set("stream_options", JSON.createObjectNode().put("include_usage", true)),
                nativeQuestion("What is <region1> doing?", regions(rle)));
        ObjectNode whole = completion(List.of(user("Describe <region1> and <region2>.", uploaded)), regions(box(), rle), false);
        whole.remove("max_tokens");
        ask(calls, api, "whole", whole.put("max_completion_tokens", TOKENS), nativeQuestion("Describe <region1> and <region2>.",
                regions(box(), rle)));
        ask(calls, api, "followUp", completion(List.of(user("What is <region1>?", uploaded), message("assistant", first),
                        message("user", "What is next to <region1>?")), regions(rle), true),
                nativeQuestion("What is next to <region1>?", regions(rle)).set("history", JSON.createArrayNode()
                        .add(message("user", "What is <region1>?")).add(message("assistant", first))));
        ask(calls, api, "alpha", completion(List.of(user("What is <region1>?", dataUrl(withAlpha(image, mask)))), null, true),
                nativeQuestion("What is <region1>?", regions(JSON.createObjectNode().put("png", Base64.getEncoder().encodeToString(mask)))));
        ask(calls, api, "sampled", completion(List.of(user("What is <region1>?", uploaded)), regions(rle), false)
                        .put("temperature", 0.7).put("top_p", 0.9).put("seed", 42),
                nativeQuestion("What is <region1>?", regions(rle)).put("temperature", 0.7).put("top_p", 0.9).put("seed", 42));
        JsonNode click = JSON.readTree("{\"points\": [[320, 240, 1]]}");
        ask(calls, api, "segmented", completion(List.of(user("What is <region1>?", uploaded)), regions(click), false),
                nativeQuestion("What is <region1>?", regions(click)));
        calls.add(call("n2", "chat", completion(List.of(user("What is <region1>?", uploaded)), regions(rle), false).put("n", 2)));
        calls.add(call("unknownModel", "chat", completion(List.of(user("What is <region1>?", uploaded)), regions(rle), false)
                .put("model", "gpt-4o")));
        String never = ImageId.of("never uploaded".getBytes(StandardCharsets.UTF_8));
        calls.add(call("unknownImage", "chat", completion(List.of(user("What is this?", "osprey://images/" + never)), null, true)));

        Path plan = out.resolve("plan.json");
        Files.writeString(plan, JSON.createObjectNode().put("baseURL", gateway.resolve("/v1").toString()).put("apiKey", "sk-local")
                .set("calls", calls).toString());
        sdk.node("run-plan.mjs", List.of(plan.toString(), out.resolve("result.json").toString()), Duration.ofMinutes(5));
        JsonNode result = JSON.readTree(out.resolve("result.json").toFile());
        System.out.println("OpenAI SDK " + result.get("sdk").asString() + " answered " + result.get("results").size() + " calls");
        result.get("results").forEach(call -> got.put(call.get("name").asString(), call));
    }

    @Test
    void theModelListHasTheServedModel() {
        JsonNode models = ok("models").get("models");
        assertThat(models).hasSize(1);
        assertThat(models.get(0).get("id").asString()).isEqualTo(MODEL);
        assertThat(models.get(0).get("object").asString()).isEqualTo("model");
        assertThat(models.get(0).get("owned_by").asString()).isEqualTo("osprey");
        assertThat(ok("model").get("model").get("id").asString()).isEqualTo(MODEL);
    }

    @Test
    void aStreamedAnswerIsTheNativeAnswer() {
        JsonNode streamed = ok("streamed");
        JsonNode answer = expected.get("streamed");
        assertThat(streamed.get("text").asString()).isNotEmpty().isEqualTo(answer.get("text").asString());
        List<JsonNode> chunks = streamed.get("chunks").valueStream().toList();
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asString()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asString()).startsWith("chatcmpl-").isEqualTo(chunks.getFirst().get("id").asString());
        });
        assertThat(chunks.getFirst().get("choices").get(0).get("delta").get("role").asString()).isEqualTo("assistant");
        assertThat(chunks.size()).as("the role, pieces, the finish and the usage").isGreaterThan(4);
        JsonNode finish = chunks.get(chunks.size() - 2).get("choices").get(0);
        assertThat(finish.get("finish_reason").asString()).isEqualTo(openAiFinish(answer));
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertUsage(usage.get("usage"), answer);
    }

    @Test
    void aWholeAnswerAboutAnUploadIsTheNativeAnswer() {
        JsonNode completion = ok("whole").get("completion");
        JsonNode answer = expected.get("whole");
        assertThat(completion.get("object").asString()).isEqualTo("chat.completion");
        assertThat(completion.get("model").asString()).isEqualTo(MODEL);
        JsonNode choice = completion.get("choices").get(0);
        assertThat(choice.get("message").get("role").asString()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asString()).isNotEmpty().isEqualTo(answer.get("text").asString());
        assertThat(choice.get("finish_reason").asString()).isEqualTo(openAiFinish(answer));
        assertUsage(completion.get("usage"), answer);
    }

    @Test
    void aFollowUpIsTheNativeConversation() {
        assertThat(ok("followUp").get("text").asString()).isNotEmpty().isEqualTo(expected.get("followUp").get("text").asString());
    }

    @Test
    void anImagesAlphaChannelIsTheRegionOfThatMask() {
        assertThat(ok("alpha").get("text").asString()).isNotEmpty().isEqualTo(expected.get("alpha").get("text").asString());
    }

    @Test
    void aSegmentAnythingClickIsTheNativeRegionOfThatClick() {
        assertThat(ok("segmented").get("completion").get("choices").get(0).get("message").get("content").asString()).isNotEmpty()
                .isEqualTo(expected.get("segmented").get("text").asString());
    }

    @Test
    void seededSamplingIsTheNativeSampling() {
        assertThat(ok("sampled").get("completion").get("choices").get(0).get("message").get("content").asString())
                .isEqualTo(expected.get("sampled").get("text").asString());
    }

    @Test
    void errorsReachTheSdkAsItsErrorClasses() {
        JsonNode n2 = failed("n2");
        assertThat(n2.get("class").asString()).isEqualTo("BadRequestError");
        assertThat(n2.get("status").asInt()).isEqualTo(400);
        assertThat(n2.get("type").asString()).isEqualTo("invalid_request_error");
        assertThat(n2.get("param").asString()).isEqualTo("n");
        assertThat(n2.get("code").asString()).isEqualTo("unsupported_value");
        assertThat(n2.get("requestID").asString()).as("from X-Request-Id").isNotEmpty();
        JsonNode model = failed("unknownModel");
        assertThat(model.get("class").asString()).isEqualTo("NotFoundError");
        assertThat(model.get("code").asString()).isEqualTo("model_not_found");
        JsonNode image = failed("unknownImage");
        assertThat(image.get("class").asString()).as("a stream that fails before it starts").isEqualTo("NotFoundError");
        assertThat(image.get("message").asString()).contains("upload the image again");
    }

    /** Adds a call to the plan and asks its native twin now. */
    private void ask(ArrayNode calls, NativeApi api, String name, ObjectNode completion, ObjectNode nativeQuestion) throws Exception {
        calls.add(call(name, "chat", completion));
        expected.put(name, api.chat(nativeQuestion));
    }

    private static ObjectNode call(String name, String kind, ObjectNode body) {
        ObjectNode call = JSON.createObjectNode().put("name", name).put("kind", kind);
        call.set("body", body);
        return call;
    }

    private static ObjectNode completion(List<ObjectNode> messages, ArrayNode regions, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", MODEL).put("temperature", 0).put("max_tokens", TOKENS).put("stream", stream);
        body.set("messages", JSON.createArrayNode().addAll(messages));
        if (regions != null) {
            body.set("regions", regions);
        }
        return body;
    }

    private ObjectNode nativeQuestion(String prompt, ArrayNode regions) {
        ObjectNode body = JSON.createObjectNode().put("image_id", imageId).put("prompt", prompt).put("temperature", 0)
                .put("max_new_tokens", TOKENS);
        body.set("regions", regions);
        return body;
    }

    private static ObjectNode user(String text, String imageUrl) {
        ObjectNode message = JSON.createObjectNode().put("role", "user");
        message.set("content", JSON.createArrayNode().add(JSON.createObjectNode().put("type", "text").put("text", text))
                .add(JSON.createObjectNode().put("type", "image_url").set("image_url", JSON.createObjectNode().put("url", imageUrl))));
        return message;
    }

    private static ObjectNode message(String role, String content) {
        return JSON.createObjectNode().put("role", role).put("content", content);
    }

    private static ArrayNode regions(JsonNode... masks) {
        ArrayNode regions = JSON.createArrayNode();
        for (JsonNode mask : masks) {
            regions.add(mask.has("counts") ? JSON.createObjectNode().set("rle", mask) : mask);
        }
        return regions;
    }

    private static ObjectNode box() {
        return JSON.createObjectNode().set("box", JSON.createArrayNode().add(100).add(120).add(200).add(150));
    }

    private static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /** The image as an RGBA PNG whose alpha is the mask (255 inside, 0 outside), as the Describe Anything server takes a region. */
    private static byte[] withAlpha(byte[] png, byte[] maskPng) throws Exception {
        RgbImage rgb = new ImageDecoder().decode(png);
        BinaryMask mask = PngMasks.decode(maskPng);
        BufferedImage rgba = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_4BYTE_ABGR);
        WritableRaster raster = rgba.getRaster();
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                int i = (y * rgb.width() + x) * 3;
                raster.setPixel(x, y, new int[] {rgb.rgb()[i] & 0xFF, rgb.rgb()[i + 1] & 0xFF, rgb.rgb()[i + 2] & 0xFF, mask.get(y, x) ? 255 : 0});
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(rgba, "png", bytes);
        return bytes.toByteArray();
    }

    private JsonNode ok(String name) {
        JsonNode call = got.get(name);
        assertThat(call.get("ok").asBoolean()).as("%s: %s", name, call).isTrue();
        return call;
    }

    private JsonNode failed(String name) {
        JsonNode call = got.get(name);
        assertThat(call.get("ok").asBoolean()).as("%s: %s", name, call).isFalse();
        return call.get("error");
    }

    /** The native finish reason in OpenAI's words: a stop string stops too. */
    private static String openAiFinish(JsonNode nativeAnswer) {
        String reason = nativeAnswer.get("finish_reason").asString();
        return reason.equals("length") ? "length" : "stop";
    }

    private static void assertUsage(JsonNode usage, JsonNode nativeAnswer) {
        int prompt = nativeAnswer.get("usage").get("prompt_tokens").asInt();
        int completion = nativeAnswer.get("usage").get("completion_tokens").asInt();
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(prompt);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(completion);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(prompt + completion);
    }
}

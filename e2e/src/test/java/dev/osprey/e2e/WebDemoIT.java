package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoBox;
import dev.osprey.model.mask.CocoPolygons;
import dev.osprey.model.mask.CocoRle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The web demo in a real browser: Debian's Chromium, driven by playwright-core from
 * {@code e2e/browser/demo-test.mjs}, opens the gateway's page of the local stack, uploads a golden
 * image, draws a polygon, asks for a short description greedily, follows up, stops a long answer,
 * meets API errors, draws with the other tools, asks about every region, clicks and boxes objects with
 * Segment Anything, describes everything in the golden automatic image, and opens images with each
 * EXIF orientation. It records what it sent and saw in {@code e2e/target/web-demo/result.json}, with
 * a screenshot beside it; these tests check that record against the REST API and the golden files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebDemoIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern STATS = Pattern.compile("first token \\d+ ms · \\d+\\.\\d tok/s · (\\d+) tokens? · (\\w+)");
    /** Tokens the stop step asks for: an answer stopped by the button has fewer. */
    private static final int STOPPED_MAX_TOKENS = 700;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private final Path root = Path.of(System.getProperty("osprey.root", ".."));
    private final Path out = root.resolve("e2e/target/web-demo");
    /** The image decoder's fixtures: one per EXIF orientation, with the pixels Pillow gives after it. */
    private final Path oriented = root.resolve("model/src/test/resources/image");
    private URI gateway;
    private JsonNode seen;

    @BeforeAll
    void useThePageInChromium() throws Exception {
        ScriptRun browser = new ScriptRun(root.resolve("e2e/browser"), out, "web demo browser test");
        browser.install();
        gateway = URI.create("http://127.0.0.1:" + LocalStack.get().process("gateway").httpPort);
        browser.node("demo-test.mjs", List.of("--gateway", gateway.toString(), "--golden", Golden.dir().toString(),
                "--golden-sam", GoldenSam.dir().toString(), "--oriented", oriented.toString(), "--out", out.toString()), Duration.ofMinutes(8));
        seen = JSON.readTree(out.resolve("result.json").toFile());
    }

    @Test
    void theGatewayServesThePageAtTheRootWithItsModules() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("<script type=\"module\" src=\"js/main.js\"></script>");
        HttpResponse<String> module = get("/js/main.js");
        assertThat(module.statusCode()).isEqualTo(200);
        // Browsers refuse module scripts of any other type.
        assertThat(module.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("javascript"));
        assertThat(seen.get("page").get("status").asInt()).isEqualTo(200);
        assertThat(seen.get("pageErrors")).as("uncaught errors in the page").isEmpty();
    }

    @Test
    void thePagesRleEncoderGivesTheGoldenRunsOfEveryMask() throws Exception {
        List<String> pngs;
        try (var files = Files.list(Golden.file("inputs/masks"))) {
            pngs = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().toList();
        }
        assertThat(seen.get("rle").valueStream().map(m -> m.get("name").asString()).toList()).isEqualTo(pngs);
        for (JsonNode mask : seen.get("rle")) {
            String name = mask.get("name").asString();
            JsonNode golden = JSON.readTree(Golden.file("inputs/masks/" + name.replace(".png", ".rle.json")).toFile());
            List<Integer> expected = ints(CocoRle.decompress(golden.get("counts").asString()));
            assertThat(mask.get("size").toString()).as(name).isEqualTo(golden.get("size").toString());
            assertThat(ints(mask.get("counts"))).as("%s: runs from inside flags", name).isEqualTo(expected);
            assertThat(ints(mask.get("canvasRle").get("counts"))).as("%s: runs from a mask canvas", name).isEqualTo(expected);
        }
    }

    @Test
    void thePagesRleDecoderGivesTheRunsOfEveryGoldenCompressedMask() {
        assertThat(seen.get("rleDecoded")).hasSizeGreaterThan(11);
        for (JsonNode decoded : seen.get("rleDecoded")) {
            assertThat(ints(decoded.get("runs"))).as(decoded.get("name").asString())
                    .isEqualTo(ints(CocoRle.decompress(decoded.get("text").asString())));
        }
    }

    @Test
    void aClickPreviewsSamsMaskAtOnceARightClickRefinesItAndEnterKeepsIt() {
        JsonNode requests = seen.get("segmentRequests");
        assertThat(requests).hasSize(3);
        JsonNode click = requests.get(0).get("points");
        assertThat(click).hasSize(1);
        assertThat(click.get(0).get(0).asDouble()).isCloseTo(174.19, within(1.0));
        assertThat(click.get(0).get(1).asDouble()).isCloseTo(293.5, within(1.0));
        assertThat(click.get(0).get(2).asInt()).isEqualTo(1);
        JsonNode refined = requests.get(1).get("points");
        assertThat(refined).hasSize(2);
        assertThat(refined.get(0)).isEqualTo(click.get(0));
        assertThat(refined.get(1).get(0).asDouble()).isCloseTo(576, within(1.0));
        assertThat(refined.get(1).get(2).asInt()).as("a right click: off the object").isEqualTo(0);
        assertThat(requests.get(2).get("points")).as("the kept mask's prompt is gone").isEmpty();
        double[] box = requests.get(2).get("box").valueStream().mapToDouble(JsonNode::asDouble).toArray();
        assertThat(box).containsExactly(new double[] {40, 40, 260, 210}, within(1.0));
        for (JsonNode preview : seen.get("segmentPreview")) {
            assertThat(preview.get("status").asInt()).isEqualTo(200);
            assertThat(preview.get("previewPixels").asInt()).as("the mask shows on the stage").isPositive();
        }
        assertThat(seen.get("keptPreviewPixels").asInt()).as("no preview once kept").isZero();
        assertThat(seen.get("regionNamesAfterSegment").toString())
                .isEqualTo("[\"region1\",\"box\",\"region2\",\"region3\",\"region4\"]");
    }

    @Test
    void theKeptMasksAreSentAsTheMasksSegmentGivesAndAnsweredAsOverRest() throws Exception {
        JsonNode sent = sent("segmented");
        assertThat(sent.get("regions")).hasSize(5);
        String imageId = sent.get("image_id").asString();
        for (int k = 1; k <= 2; k++) {
            ObjectNode prompt = ((ObjectNode) seen.get("segmentRequests").get(k).deepCopy()).put("image_id", imageId);
            JsonNode segmented = JSON.readTree(postJson("/v1/segment", prompt).body());
            JsonNode rle = segmented.get("masks").get(0).get("mask");
            BinaryMask expected = CocoRle.decode(rle.get("size").get(0).asInt(), rle.get("size").get(1).asInt(), rle.get("counts").asString());
            assertThat(mask(sent.get("regions").get(2 + k))).as("the kept mask of prompt %d", k).isEqualTo(expected);
        }
        JsonNode rest = chat(sent).get("answers");
        for (int q = 0; q < 5; q++) {
            assertThat(seen.get("segmented").get("texts").get(q).asString()).as("answer %d", q).isNotEmpty()
                    .isEqualTo(rest.get(q).get("text").asString());
        }
    }

    @Test
    void describeEverythingShowsEveryMaskAsARegionWithItsDescription() throws Exception {
        JsonNode shown = seen.get("describeAll");
        assertThat(shown.get("sent")).hasSize(1);
        JsonNode sent = shown.get("sent").get(0);
        assertThat(sent.get("params").toString())
                .isEqualTo("{\"points_per_side\":8,\"pred_iou_thresh\":0.1701,\"stability_score_thresh\":0.0079,\"crop_n_layers\":1}");
        assertThat(sent.get("temperature").asDouble()).isZero();
        assertThat(sent.get("stream").asBoolean()).isTrue();
        JsonNode masks = JSON.readTree(postJson("/v1/describe-all", ((ObjectNode) sent.deepCopy()).put("stream", false)).body()).get("masks");
        int count = JSON.readTree(GoldenSam.file("automatic/amg_crop1.json").toFile()).get("num_masks").asInt();
        assertThat(masks).hasSize(count);
        assertThat(shown.get("question").asString()).isEqualTo("Describe everything: " + count + " of " + count + " masks");
        List<String> names = new ArrayList<>();
        // The answers finish in any order; the page lists the regions in mask order all the same.
        List<String> regionNames = shown.get("regionNames").valueStream().map(JsonNode::asString).toList();
        for (int k = 0; k < count; k++) {
            names.add("object" + (k + 1));
            assertThat(shown.get("texts").get(k).asString()).as("mask %d", k).isNotEmpty().isEqualTo(masks.get(k).get("text").asString());
            assertThat(shown.get("finish").get(k).asString()).isEqualTo(masks.get(k).get("finish_reason").asString());
            int listed = regionNames.indexOf(names.get(k));
            assertThat(listed).as("%s is listed", names.get(k)).isNotNegative();
            assertThat(shown.get("areas").get(listed).asLong()).as("the region of mask %d", k).isEqualTo(masks.get(k).get("area").asLong());
        }
        assertThat(shown.get("labels").valueStream().map(JsonNode::asString).toList()).isEqualTo(names);
        assertThat(regionNames).containsExactlyElementsOf(names);
    }

    @Test
    void thePagesSseParserGivesEveryEventOfStreamsCutAnywhere() {
        assertThat(seen.get("sse")).hasSize(3);
        for (JsonNode parsed : seen.get("sse")) {
            assertThat(parsed.get("actual")).as(parsed.get("name").asString()).isEqualTo(parsed.get("expected"));
        }
    }

    @Test
    void aDrawnPolygonIsSentAsItsMaskAtTheUploadedSize() {
        assertThat(seen.get("notice").asString()).contains("640×480");
        assertThat(seen.get("regionNames").toString()).isEqualTo("[\"region1\"]");
        JsonNode sent = sent("first");
        assertThat(sent.get("regions")).hasSize(1);
        JsonNode rle = sent.get("regions").get(0).get("rle");
        assertThat(rle.get("size").toString()).isEqualTo("[480,640]");
        BinaryMask mask = mask(sent.get("regions").get(0));
        double[] polygon = seen.get("drawnPolygon").valueStream().mapToDouble(JsonNode::asDouble).toArray();
        BinaryMask expected = CocoPolygons.rasterize(List.of(polygon), 480, 640);
        // The canvas anti-aliases edges where pycocotools rounds: only the outline may differ.
        assertThat(iou(mask, expected)).as("IoU of the sent mask and the polygon clicked").isGreaterThan(0.95);
    }

    @Test
    void theStreamedShortDescriptionIsTheGreedyRestAnswerForTheSameMask() throws Exception {
        JsonNode sent = sent("first");
        assertThat(sent.get("task").asString()).isEqualTo("short");
        assertThat(sent.get("temperature").asDouble()).isZero();
        JsonNode rest = chat(sent);
        JsonNode first = seen.get("first");
        String shown = first.get("texts").get(0).asString();
        assertThat(shown).isNotEmpty().isEqualTo(rest.get("text").asString());
        Matcher stats = STATS.matcher(first.get("stats").get(0).asString());
        assertThat(stats.matches()).as("stats line %s", first.get("stats").get(0)).isTrue();
        assertThat(Integer.parseInt(stats.group(1))).isEqualTo(rest.get("usage").get("completion_tokens").asInt());
        assertThat(stats.group(2)).isEqualTo(rest.get("finish_reason").asString());
        // It grew piece by piece: several partial texts, each a prefix of the answer.
        List<String> grew = first.get("seenTexts").valueStream().map(JsonNode::asString).toList();
        assertThat(grew.size()).as("texts seen while streaming: %s", grew).isGreaterThanOrEqualTo(3);
        assertThat(grew).allSatisfy(text -> assertThat(shown).startsWith(text));
    }

    @Test
    void aFollowUpSendsTheConversationAndShowsItsGreedyAnswer() throws Exception {
        JsonNode sent = sent("followUp");
        assertThat(sent.get("prompt").asString()).isEqualTo("What is <region1> made of?");
        assertThat(sent.get("history").toString()).isEqualTo(JSON.createArrayNode()
                .add(JSON.createObjectNode().put("role", "user")
                        .put("content", "Please give me a short description of <region1>. Using a short phrase."))
                .add(JSON.createObjectNode().put("role", "assistant").put("content", seen.get("first").get("texts").get(0).asString()))
                .toString());
        assertThat(sent.get("regions")).isEqualTo(sent("first").get("regions"));
        assertThat(seen.get("followUp").get("texts").get(0).asString()).isNotEmpty().isEqualTo(chat(sent).get("text").asString());
    }

    @Test
    void theBoxBrushEraserAndRenameMakeTheRegionsSentForATaskOverAllOfThem() throws Exception {
        assertThat(seen.get("regionNamesAfterTools").toString()).isEqualTo("[\"region1\",\"box\",\"region2\"]");
        JsonNode sent = sent("everyRegion");
        assertThat(sent.get("task").asString()).isEqualTo("category");
        assertThat(sent.has("history")).as("a task is asked without history").isFalse();
        assertThat(sent.get("regions")).hasSize(3);
        assertThat(sent.get("regions").get(0)).isEqualTo(sent("first").get("regions").get(0));
        double[] box = seen.get("drawnBox").valueStream().mapToDouble(JsonNode::asDouble).toArray();
        assertThat(iou(mask(sent.get("regions").get(1)), CocoBox.rasterize(box[0], box[1], box[2], box[3], 480, 640)))
                .as("IoU of the sent box and the box dragged").isGreaterThan(0.95);
        // A 16 px brush along two segments (251 px long): a band with round ends.
        long brushed = seen.get("brushedArea").asLong();
        assertThat((double) brushed).isCloseTo(251.3 * 16 + Math.PI * 8 * 8, withinPercentage(10));
        long erased = seen.get("erasedArea").asLong();
        assertThat(erased).isPositive().isLessThan(brushed);
        assertThat(mask(sent.get("regions").get(2)).area()).as("the area the page shows is the area it sends").isEqualTo(erased);
        JsonNode rest = chat(sent).get("answers");
        JsonNode shown = seen.get("everyRegion");
        assertThat(shown.get("finish")).hasSize(3);
        for (int q = 0; q < 3; q++) {
            assertThat(shown.get("texts").get(q).asString()).as("answer %d", q).isNotEmpty().isEqualTo(rest.get(q).get("text").asString());
            assertThat(shown.get("finish").get(q).asString()).isEqualTo(rest.get(q).get("finish_reason").asString());
        }
    }

    @Test
    void regionsNamedInAQuestionAreSentInTheOrderNamedAsTheApiNumbersThem() throws Exception {
        JsonNode sent = sent("byName");
        assertThat(sent.get("prompt").asString()).isEqualTo("Is <region1> above <region2>?");
        assertThat(sent.has("history")).as("a new conversation").isFalse();
        JsonNode all = sent("everyRegion").get("regions");
        assertThat(sent.get("regions").toString()).isEqualTo(JSON.createArrayNode().add(all.get(1)).add(all.get(0)).toString());
        assertThat(seen.get("byName").get("texts").get(0).asString()).isNotEmpty().isEqualTo(chat(sent).get("text").asString());
    }

    @Test
    void stopEndsALongAnswerEarly() {
        JsonNode stopped = seen.get("stopped");
        assertThat(sent("stopped").get("max_new_tokens").asInt()).isEqualTo(STOPPED_MAX_TOKENS);
        assertThat(stopped.get("finish").toString()).isEqualTo("[\"stopped\"]");
        assertThat(stopped.get("error").isNull()).isTrue();
        assertThat(stopped.get("texts").get(0).asString()).isNotEmpty();
        Matcher stats = STATS.matcher(stopped.get("stats").get(0).asString());
        assertThat(stats.matches()).as("stats line %s", stopped.get("stats").get(0)).isTrue();
        assertThat(Integer.parseInt(stats.group(1))).isBetween(1, STOPPED_MAX_TOKENS - 1);
    }

    @Test
    void anApiErrorIsShownWithItsStatusCodeMessageAndRequestId() throws Exception {
        HttpResponse<String> refused = post(sent("refused"));
        assertThat(refused.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertThat(seen.get("refused").get("error").asString())
                .startsWith("400 " + error.get("code").asString() + " " + error.get("message").asString() + " (request ")
                .contains("exceeds the context limit");
    }

    @Test
    void anErrorEventMidStreamIsShownAfterTheTextSoFar() {
        JsonNode midStream = seen.get("midStream");
        assertThat(midStream.get("texts").get(0).asString()).isEqualTo("Half");
        assertThat(midStream.get("error").asString())
                .isEqualTo("The answer stream failed: unavailable llm-service is unavailable (request r-42)");
    }

    @Test
    void aQuestionAboutARegionThatDoesNotExistIsExplainedBeforeSending() {
        assertThat(seen.get("unknownRegionNotice").asString()).startsWith("no region is named <region7>").endsWith("the regions are: region1");
    }

    @Test
    void anImageIsShownTurnedByItsExifOrientationAsTheServerReadsIt() throws Exception {
        assertThat(seen.get("oriented")).hasSize(9);
        for (JsonNode shown : seen.get("oriented")) {
            String name = shown.get("name").asString();
            HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(gateway.resolve("/v1/images"))
                    .header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofFile(oriented.resolve(name))).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode size = JSON.readTree(uploaded.body());
            int width = size.get("width").asInt();
            int height = size.get("height").asInt();
            assertThat(List.of(shown.get("width").asInt(), shown.get("height").asInt())).as(name).isEqualTo(List.of(width, height));
            if (name.equals("png_exif8.png")) {
                // Chromium ignores an eXIf chunk after the pixels: the page says so instead of drawing misplaced masks.
                assertThat(shown.get("notice").asString()).isEqualTo("this browser shows the image as " + height + "×" + width
                        + ", the server reads it as " + width + "×" + height + ": masks are sent at the server's size");
                continue;
            }
            assertThat(shown.get("notice").asString()).startsWith(name + ": " + width + "×" + height + ".");
            byte[] expected = Files.readAllBytes(oriented.resolve("expected/" + name.replaceAll("\\.(png|jpg)$", ".rgb")));
            assertThat(Base64.getDecoder().decode(shown.get("rgb").asString())).as("%s pixels", name).isEqualTo(expected);
        }
    }

    @Test
    void screenshotsAreSaved() throws Exception {
        for (String step : List.of("screenshot", "describeScreenshot")) {
            Path screenshot = Path.of(seen.get(step).asString());
            assertThat(screenshot).startsWith(out).isRegularFile();
            byte[] png = Files.readAllBytes(screenshot);
            assertThat(png.length).isGreaterThan(10_000);
            assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        }
    }

    /** The one body the page sent for a step. */
    private JsonNode sent(String step) {
        JsonNode bodies = seen.get(step).get("sent");
        assertThat(bodies).as("requests sent in step %s", step).hasSize(1);
        return bodies.get(0);
    }

    /** The REST API's whole answer (no stream) to the body the page sent. */
    private JsonNode chat(JsonNode body) throws Exception {
        HttpResponse<String> response = post(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> post(JsonNode body) throws Exception {
        return postJson("/v1/chat", ((ObjectNode) body.deepCopy()).put("stream", false));
    }

    private HttpResponse<String> postJson(String path, JsonNode body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway.resolve(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(300)).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (!path.equals("/v1/chat")) {
            assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        }
        return response;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(gateway.resolve(path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The mask of a region the page sent (it sends RLE with a list of runs). */
    private static BinaryMask mask(JsonNode region) {
        JsonNode rle = region.get("rle");
        return CocoRle.fromCounts(rle.get("size").get(0).asInt(), rle.get("size").get(1).asInt(),
                rle.get("counts").valueStream().mapToInt(JsonNode::asInt).toArray());
    }

    private static double iou(BinaryMask a, BinaryMask b) {
        long both = 0;
        long either = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                both += a.get(y, x) && b.get(y, x) ? 1 : 0;
                either += a.get(y, x) || b.get(y, x) ? 1 : 0;
            }
        }
        return (double) both / either;
    }

    private static List<Integer> ints(int[] values) {
        List<Integer> list = new ArrayList<>(values.length);
        for (int v : values) {
            list.add(v);
        }
        return list;
    }

    private static List<Integer> ints(JsonNode array) {
        return array.valueStream().map(JsonNode::asInt).toList();
    }
}

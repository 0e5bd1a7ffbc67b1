package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Point;
import dev.osprey.api.v1.PointLabel;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.api.v1.SegmentRequest;
import dev.osprey.api.v1.SegmentResponse;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import dev.osprey.model.mask.PngMasks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Segment Anything through the four real processes, on the tiny bundle with the golden tiny SAM: a
 * click's mask (REST and gRPC) is the mask {@code osprey segment} picks for it, and a question about
 * a point region is answered as {@code osprey generate --points} answers it; "describe everything"
 * on the golden automatic image returns the reference's automatic masks (amg_crop1 and its
 * parameters) with one answer each, the answers {@code osprey generate} gives about those masks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamFlowIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TOKENS = 10;
    /** Golden case s1_img0/point1_mm's click and s1_img0/points_fgbg's three points. */
    private static final String CLICK = "174.19,293.5,1";
    private static final List<String> THREE = List.of("174.19,293.5,1", "365.83,57.4,1", "576,48,0");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private LocalStack stack;
    private Path image;
    private String imageId;

    @TempDir
    Path tmp;

    @BeforeAll
    void upload() throws Exception {
        stack = LocalStack.get();
        image = GoldenSam.file("inputs/images/s1_img0.png");
        imageId = upload(image);
    }

    @Test
    void aClicksMaskIsTheBestOfTheCandidatesOspreySegmentWritesOverRestAndGrpc() throws Exception {
        String printed = OspreyCli.run(List.of("segment", "--model", bundle(), "--image", image.toString(), "--point", CLICK, "--multimask",
                "--out", tmp.resolve("click").toString()));
        Matcher best = Pattern.compile("best (\\d)").matcher(printed);
        assertThat(best.find()).as(printed).isTrue();
        BinaryMask expected = PngMasks.decode(Files.readAllBytes(tmp.resolve("click/mask_" + best.group(1) + ".png")));

        JsonNode segmented = post("/v1/segment", "{\"image_id\": \"" + imageId + "\", \"points\": [[174.19, 293.5, 1]]}");
        assertThat(segmented.get("masks")).hasSize(1);
        assertThat(mask(segmented.get("masks").get(0).get("mask"))).isEqualTo(expected);
        assertThat(segmented.get("masks").get(0).get("area").asLong()).isEqualTo(expected.area());

        JsonNode candidates = post("/v1/segment", "{\"image_id\": \"" + imageId + "\", \"points\": [[174.19, 293.5, 1]], \"multimask\": true}");
        assertThat(candidates.get("masks")).hasSize(3);
        assertThat(candidates.get("best").asInt()).isEqualTo(Integer.parseInt(best.group(1)));
        for (int k = 0; k < 3; k++) {
            assertThat(mask(candidates.get("masks").get(k).get("mask"))).as("candidate %d", k)
                    .isEqualTo(PngMasks.decode(Files.readAllBytes(tmp.resolve("click/mask_" + k + ".png"))));
        }

        SegmentResponse grpc = RegionServiceGrpc.newBlockingStub(stack.channel("gateway")).withDeadlineAfter(120, TimeUnit.SECONDS)
                .segment(SegmentRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId(imageId))
                        .setPrompt(SamPrompt.newBuilder().addPoints(Point.newBuilder().setX(174.19).setY(293.5)
                                .setLabel(PointLabel.POINT_LABEL_FOREGROUND))).build());
        assertThat(grpc.getMasks(0).getRle().getCompressed()).isEqualTo(segmented.get("masks").get(0).get("mask").get("counts").asString());
    }

    @Test
    void anUploadThatAsksPreparesItsSamEmbeddingSoThatTheFirstClickOnlyDecodesItsPrompt() throws Exception {
        Path fresh = GoldenSam.file("inputs/images/s1_img1.png");
        double prepared = encoderMetric("osprey_segment_duration_seconds_count", "rpc=\"prepare_image\"", "outcome=\"success\"");
        String freshId = upload(fresh, "?prepare_segmentation=true");
        // The upload answers before the embedding is done: wait for the encoder to have prepared it, no click made.
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> encoderMetric(
                "osprey_segment_duration_seconds_count", "rpc=\"prepare_image\"", "outcome=\"success\"") > prepared);
        double embedded = encoderMetric("osprey_sam_embed_duration_seconds_count");

        JsonNode segmented = post("/v1/segment", "{\"image_id\": \"" + freshId + "\", \"points\": [[100, 100, 1]]}");
        assertThat(segmented.get("masks")).hasSize(1);
        assertThat(encoderMetric("osprey_sam_embed_duration_seconds_count")).as("image encoder runs after the click").isEqualTo(embedded);
    }

    @Test
    void severalPointsAreSamsSingleOutputMask() throws Exception {
        List<String> args = new ArrayList<>(List.of("segment", "--model", bundle(), "--image", image.toString(), "--out",
                tmp.resolve("three").toString()));
        THREE.forEach(point -> args.addAll(List.of("--point", point)));
        OspreyCli.run(args);
        JsonNode segmented = post("/v1/segment", "{\"image_id\": \"" + imageId + "\", \"points\": [[174.19, 293.5, 1], [365.83, 57.4, 1],"
                + " [576, 48, 0]]}");
        assertThat(mask(segmented.get("masks").get(0).get("mask")))
                .isEqualTo(PngMasks.decode(Files.readAllBytes(tmp.resolve("three/mask_0.png"))));
    }

    @Test
    void questionsAboutPointRegionsAreAnsweredAsOspreyGenerateWithPoints() throws Exception {
        JsonNode expected = OspreyCli.generate(image, List.of(), List.of("--points", CLICK, "--points", String.join(";", THREE), "--task", "short"),
                TOKENS);
        JsonNode answer = post("/v1/chat", "{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"temperature\": 0, \"max_new_tokens\": "
                + TOKENS + ", \"regions\": [{\"points\": [[174.19, 293.5, 1]]}, {\"points\": [[174.19, 293.5, 1], [365.83, 57.4, 1],"
                + " [576, 48, 0]]}]}");
        for (int q = 0; q < 2; q++) {
            assertThat(answer.get("answers").get(q).get("output_ids").toString()).as("region %d", q + 1)
                    .isEqualTo(expected.get("answers").get(q).get("output_ids").toString());
            assertThat(answer.get("answers").get(q).get("text").asString()).isEqualTo(expected.get("answers").get(q).get("text").asString());
        }
    }

    @Test
    void describeAllGivesTheReferencesAutomaticMasksEachWithTheAnswerOspreyGenerateGives() throws Exception {
        JsonNode reference = JSON.readTree(GoldenSam.file("automatic/amg_crop1.json").toFile());
        Path objects = GoldenSam.file("inputs/images/s1_objects0.png");
        String objectsId = upload(objects);
        JsonNode described = post("/v1/describe-all", "{\"image_id\": \"" + objectsId + "\", \"params\": " + automaticParams()
                + ", \"temperature\": 0, \"max_new_tokens\": " + TOKENS + "}");
        JsonNode expected = reference.get("annotations");
        JsonNode masks = described.get("masks");
        assertThat(masks).hasSize(expected.size());
        assertThat(described.get("found").asInt()).isEqualTo(expected.size());
        List<Path> files = new ArrayList<>();
        for (int k = 0; k < expected.size(); k++) {
            JsonNode mine = masks.get(k);
            JsonNode theirs = expected.get(k);
            assertThat(mine.get("index").asInt()).isEqualTo(k);
            BinaryMask got = mask(mine.get("mask"));
            BinaryMask want = mask(theirs.get("segmentation"));
            long area = theirs.get("area").asLong();
            assertThat(differing(got, want)).as("mask %d: pixels differing from the reference's", k).isLessThanOrEqualTo(Math.max(10, area / 1000));
            assertThat(mine.get("area").asLong()).as("mask %d area", k).isCloseTo(area, within(Math.max(10L, area / 1000)));
            for (int i = 0; i < 4; i++) {
                assertThat(mine.get("bbox").get(i).asInt()).as("mask %d bbox[%d]", k, i).isCloseTo(theirs.get("bbox").get(i).asInt(), within(1));
                assertThat(mine.get("crop_box").get(i).asDouble()).isEqualTo(theirs.get("crop_box").get(i).asDouble());
            }
            assertThat(mine.get("score").asDouble()).isCloseTo(theirs.get("predicted_iou").asDouble(), within(1e-4));
            assertThat(mine.get("stability_score").asDouble()).isCloseTo(theirs.get("stability_score").asDouble(), within(1e-3));
            assertThat(mine.get("point").get(0).asDouble()).isCloseTo(theirs.get("point_coords").get(0).get(0).asDouble(), within(1e-6));
            assertThat(mine.get("point").get(1).asDouble()).isCloseTo(theirs.get("point_coords").get(0).get(1).asDouble(), within(1e-6));
            assertThat(mine.get("text").asString()).as("mask %d's description", k).isNotEmpty();
            Path file = tmp.resolve("automatic_" + k + ".json");
            Files.writeString(file, mine.get("mask").toString());
            files.add(file);
        }
        // The same masks asked about at once in one process: the services asked a few at a time, and their answers are the same.
        JsonNode answers = OspreyCli.generate(objects, files, List.of("--task", "short"), TOKENS).get("answers");
        for (int k = 0; k < expected.size(); k++) {
            assertThat(masks.get(k).get("output_ids").toString()).as("mask %d's answer", k).isEqualTo(answers.get(k).get("output_ids").toString());
        }
    }

    @Test
    void describeAllStreamsOneMaskEventPerMaskUpToTheCap() throws Exception {
        String objectsId = upload(GoldenSam.file("inputs/images/s1_objects0.png"));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway("/v1/describe-all")).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString("{\"image_id\": \""
                        + objectsId + "\", \"params\": " + automaticParams() + ", \"max_masks\": 3, \"max_new_tokens\": 4}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher event = Pattern.compile("event:(\\w+)\\ndata:(.*)\\n").matcher(response.body());
        List<Integer> indexes = new ArrayList<>();
        while (event.find()) {
            assertThat(event.group(1)).as(event.group()).isEqualTo("mask");
            JsonNode data = JSON.readTree(event.group(2));
            indexes.add(data.get("index").asInt());
            assertThat(data.get("count").asInt()).isEqualTo(3);
            assertThat(data.get("found").asInt()).isEqualTo(11);
            assertThat(data.get("finish_reason").asString()).isIn("stop", "length");
        }
        assertThat(indexes).containsExactlyInAnyOrder(0, 1, 2);
    }

    /** The golden automatic case's parameters, as the API takes them (it always answers COCO RLE: no output_mode). */
    private static ObjectNode automaticParams() throws Exception {
        ObjectNode params = (ObjectNode) JSON.readTree(GoldenSam.file("automatic/amg_crop1.json").toFile()).get("params").deepCopy();
        params.remove("output_mode");
        return params;
    }

    private static long differing(BinaryMask a, BinaryMask b) {
        assertThat(List.of(a.height(), a.width())).isEqualTo(List.of(b.height(), b.width()));
        long differ = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                differ += a.get(y, x) != b.get(y, x) ? 1 : 0;
            }
        }
        return differ;
    }

    private double encoderMetric(String name, String... labels) throws Exception {
        return Prometheus.scrape(stack.process("encoder-service")).sumOrZero(name, labels);
    }

    private static BinaryMask mask(JsonNode rle) {
        return CocoRle.decode(rle.get("size").get(0).asInt(), rle.get("size").get(1).asInt(), rle.get("counts").asString());
    }

    private static String bundle() {
        return TinyBundle.withSamDir().toString();
    }

    private String upload(Path file) throws Exception {
        return upload(file, "");
    }

    private String upload(Path file, String query) throws Exception {
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(gateway("/v1/images" + query)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofFile(file)).timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        return JSON.readTree(uploaded.body()).get("image_id").asString();
    }

    private JsonNode post(String path, String json) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private URI gateway(String path) {
        return URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort + path);
    }
}

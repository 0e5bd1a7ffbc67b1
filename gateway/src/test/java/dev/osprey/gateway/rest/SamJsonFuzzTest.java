package dev.osprey.gateway.rest;

import static dev.osprey.gateway.rest.StandInFlows.IMAGE_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.fuzz.JsonMutations;
import dev.osprey.model.fuzz.Mutant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mutations of valid Segment Anything bodies ({@code /v1/segment}, {@code /v1/describe-all}, and
 * {@code /v1/chat} with point and box prompt regions) posted to the REST shell over stand-in backends:
 * each is answered 200, or with a client error (400, 404, 413) or 501 whose JSON body names the
 * problem; never a 500, a stack trace or a Java type name. Seeded, so a failure names an iteration that
 * replays the same way.
 */
class SamJsonFuzzTest extends SamRoutesSlice {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long SEED = 0x5A4D_0016L;
    private static final int ITERATIONS = 300;
    /** Keys the mutations add: the bodies' own (so a value of the wrong kind lands where it is read) and strangers. */
    private static final String[] KEYS = {"points", "box", "segment", "multimask", "params", "max_masks", "regions", "image_id",
        "points_per_side", "crop_n_layers", "stream", "max_new_tokens", "temperature", "size", "counts"};
    private static final Map<String, List<String>> SEEDS = Map.of(
            "/v1/segment", List.of(
                    "{\"image_id\": \"%s\", \"points\": [[1, 1, 1], [2.5, 0.5, 0]]}",
                    "{\"image_id\": \"%s\", \"box\": [0, 0, 3, 2], \"points\": [[1, 1, 1]], \"multimask\": true}"),
            "/v1/describe-all", List.of(
                    "{\"image_id\": \"%s\", \"params\": {\"points_per_side\": 8, \"points_per_batch\": 16, \"pred_iou_thresh\": 0.1701,"
                            + " \"stability_score_thresh\": 0.0079, \"stability_score_offset\": 1.0, \"box_nms_thresh\": 0.7, \"crop_n_layers\": 1,"
                            + " \"crop_nms_thresh\": 0.7, \"crop_overlap_ratio\": 0.3413, \"crop_n_points_downscale_factor\": 1,"
                            + " \"min_mask_region_area\": 0}, \"max_masks\": 4, \"temperature\": 0, \"max_new_tokens\": 8}",
                    "{\"image_id\": \"%s\", \"max_masks\": 2, \"stream\": true}"),
            "/v1/chat", List.of(
                    "{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"points\": [[1, 1, 1], [3, 2, 0]]}, {\"box\": [0, 0, 3, 2],"
                            + " \"segment\": true}, {\"box\": [1, 0, 2, 2], \"points\": [[2, 1, 1]]}]}"));

    @Test
    void theSeedsAreValid() {
        SEEDS.forEach((path, bodies) -> bodies.forEach(body -> assertThat(post(path, body.formatted(IMAGE_ID).getBytes(StandardCharsets.UTF_8))
                .getStatus().value()).as("%s %s", path, body).isEqualTo(200)));
    }

    @Test
    void mutatedBodiesAreAnsweredOrRefusedSayingWhyNeverWithAServerError() {
        List<String> failures = new ArrayList<>();
        int answered = 0;
        List<String> paths = SEEDS.keySet().stream().sorted().toList();
        for (int i = 0; i < ITERATIONS; i++) {
            Random random = new Random(new SplittableRandom(SEED * 0x9E3779B97F4A7C15L + i).nextLong());
            String path = paths.get(random.nextInt(paths.size()));
            List<String> seeds = SEEDS.get(path);
            int seed = random.nextInt(seeds.size());
            Mutant mutant = JsonMutations.mutate(random, seeds.get(seed).formatted(IMAGE_ID).getBytes(StandardCharsets.UTF_8),
                    path + " seed " + seed, KEYS);
            EntityExchangeResult<byte[]> result;
            try {
                result = post(path, mutant.bytes());
            } catch (IllegalStateException e) {
                failures.add("iteration " + i + " [" + mutant.description() + "]: no answer: " + e.getMessage() + " body "
                        + new String(mutant.bytes(), StandardCharsets.UTF_8));
                continue;
            }
            int status = result.getStatus().value();
            String body = result.getResponseBody() == null ? "" : new String(result.getResponseBody(), StandardCharsets.UTF_8);
            if (status == 200) {
                answered++;
            } else if (!List.of(400, 404, 413, 501).contains(status) || !explains(body)) {
                failures.add("iteration " + i + " [" + mutant.description() + "]: " + status + " " + body);
            }
        }
        assertThat(failures).as("bodies answered other than 200 or a client error that says why").isEmpty();
        // The share answered shows whether the mutations still reach past the JSON checks.
        System.out.printf("SAM JSON fuzz: %d iterations, %d answered, the others refused, seed 0x%x%n", ITERATIONS, answered, SEED);
        assertThat(answered).as("mutations that still make a valid request").isPositive();
    }

    /** Whether {@code body} is the API's error JSON with a message that names no Java type. */
    private static boolean explains(String body) {
        try {
            JsonNode error = JSON.readTree(body).get("error");
            String message = error.get("message").asString();
            return !message.isBlank() && !message.contains("dev.osprey") && !message.contains("java.") && !message.contains("Exception")
                    && !error.get("code").asString().equals("internal");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private EntityExchangeResult<byte[]> post(String path, byte[] body) {
        return client.mutate().responseTimeout(Duration.ofSeconds(20)).build().post().uri(path).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectBody().returnResult();
    }
}

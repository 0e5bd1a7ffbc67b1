package dev.osprey.gateway.rest;

import static dev.osprey.gateway.rest.StandInFlows.IMAGE_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.Region;
import dev.osprey.gateway.flow.StandInBackends;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The Segment Anything routes in a WebFlux slice over stand-in backends: a prompt's masks as RLE a
 * region takes as it is, prompt regions in a question, describe-all as JSON and as SSE, and their
 * errors (400 naming the field, 501 without SAM).
 */
class SamControllerTest extends SamRoutesSlice {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aClickGivesTheMaskItsRegionWouldBeAsRleWithScoreAreaAndBbox() {
        post("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1, 1]]}")
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.masks.length()").isEqualTo(1)
                .jsonPath("$.masks[0].mask.size").isEqualTo(List.of(3, 4))
                .jsonPath("$.masks[0].mask.counts").isEqualTo(StandInBackends.samMask(1).getCompressed())
                .jsonPath("$.masks[0].score").isEqualTo(0.8999999761581421)
                .jsonPath("$.masks[0].area").isEqualTo(1)
                .jsonPath("$.masks[0].bbox").isEqualTo(List.of(0, 1, 1, 1))
                .jsonPath("$.best").isEqualTo(0);
    }

    @Test
    void multimaskGivesSamsThreeCandidates() {
        post("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1, 1], [2, 0.5, 0]], \"box\": [0, 0, 3, 2], \"multimask\": true}")
                .expectStatus().isOk()
                .expectBody().jsonPath("$.masks.length()").isEqualTo(3).jsonPath("$.best").isEqualTo(1);
        assertThat(standIns.segmented().getLast().getPointsList()).extracting(p -> p.getLabel()).containsExactly(1, 0);
    }

    @Test
    void pointAndBoxRegionsOfAQuestionAreSegmentedFirst() {
        post("/v1/chat", "{\"image_id\": \"" + IMAGE_ID + "\", \"task\": \"short\", \"regions\": [{\"points\": [[1, 1, 1], [3, 2, 0]]},"
                + " {\"box\": [0, 0, 3, 2], \"segment\": true}, {\"box\": [0, 0, 3, 2], \"points\": [[1, 1, 1]]}, {\"box\": [0, 0, 3, 2]}]}")
                .expectStatus().isOk()
                .expectBody().jsonPath("$.answers.length()").isEqualTo(4);
        assertThat(standIns.extracted().getLast().getRegionsList()).extracting(Region::getMaskCase)
                .containsExactly(Region.MaskCase.RLE, Region.MaskCase.RLE, Region.MaskCase.RLE, Region.MaskCase.BOX);
    }

    @Test
    void describeAllAnswersEveryMaskInTheGeneratorsOrder() {
        post("/v1/describe-all", "{\"image_id\": \"" + IMAGE_ID + "\", \"params\": {\"points_per_side\": 8, \"crop_n_layers\": 1,"
                + " \"pred_iou_thresh\": 0.1701}, \"max_masks\": 4, \"temperature\": 0, \"max_new_tokens\": 12}")
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.found").isEqualTo(5)
                .jsonPath("$.masks[*].index").isEqualTo(List.of(0, 1, 2, 3))
                .jsonPath("$.masks[0].count").isEqualTo(4)
                .jsonPath("$.masks[0].mask.counts").isEqualTo(StandInBackends.samMask(1).getCompressed())
                .jsonPath("$.masks[0].point").isEqualTo(List.of(1.5, 1.5))
                .jsonPath("$.masks[0].crop_box").isEqualTo(List.of(0, 0, 4, 3))
                .jsonPath("$.masks[0].stability_score").isEqualTo(0.25)
                .jsonPath("$.masks[3].text").isEqualTo("region 1")
                .jsonPath("$.masks[3].finish_reason").isEqualTo("stop");
        var sent = standIns.segmentedAll().getLast();
        assertThat(sent.getParams().getCropNLayers()).isEqualTo(1);
        assertThat(sent.getMaxMasks()).isEqualTo(4);
    }

    @Test
    void describeAllStreamsAMaskEventPerMask() {
        Flux<ServerSentEvent<String>> events = client.post().uri("/v1/describe-all").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"image_id\": \"" + IMAGE_ID + "\", \"stream\": true}").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { }).getResponseBody();
        StepVerifier.create(events.map(event -> event.event() + " " + event.data().contains("\"text\":\"region ")))
                .expectNext("mask true", "mask true", "mask true", "mask true", "mask true").expectComplete().verify(PATIENCE);
    }

    @Test
    void badJsonAndBadPromptsAre400NamingTheField() {
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1, 2]]}",
                "points[0]: the label must be 1 (on the object) or 0 (off it), got 2.0");
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1]]}", "points[0]: expected [x, y, label]");
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1, 0]]}", "points: no foreground point");
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]}",
                "points: 5 points, the limit is 4");
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[7, 1, 1]]}",
                "point 0 (7.0, 1.0) is outside the 4x3 image");
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"point\": [[1, 1, 1]]}", "unknown field 'point'");
        assertBadRequest("/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\"}", "give points [[x, y, 1|0], ...], a box, or both");
        assertBadRequest("/v1/describe-all", "{\"image_id\": \"" + IMAGE_ID + "\", \"params\": {\"points_per_sid\": 8}}",
                "unknown field 'params.points_per_sid'");
        assertBadRequest("/v1/describe-all", "{\"image_id\": \"" + IMAGE_ID + "\", \"params\": {\"points_per_side\": \"8\"}}",
                "params.points_per_side: expected an integer, got a string");
        assertBadRequest("/v1/describe-all", "{\"image_id\": \"" + IMAGE_ID + "\", \"max_masks\": 0}", "max_masks must be at least 1");
        assertBadRequest("/v1/chat", "{\"image_id\": \"" + IMAGE_ID + "\", \"task\": \"short\", \"regions\": [{\"points\": [[1, 1, 1]], "
                + "\"segment\": false}]}", "regions[0]: \"segment\": false with points");
        assertBadRequest("/v1/chat", "{\"image_id\": \"" + IMAGE_ID + "\", \"task\": \"short\", \"regions\": [{\"box\": [0, 0, 1, 1]}, "
                + "{\"points\": [[9, 1, 1]]}]}", "region 2: point 0 (9.0, 1.0) is outside the 4x3 image");
        assertThat(standIns.extracted()).as("nothing extracted for a bad prompt").isEmpty();
    }

    @Test
    void withoutSamInTheBundleTheRoutesAre501SayingSo() {
        standIns.withoutSam();
        for (String[] call : new String[][] {{"/v1/segment", "{\"image_id\": \"" + IMAGE_ID + "\", \"box\": [0, 0, 2, 2]}"},
            {"/v1/describe-all", "{\"image_id\": \"" + IMAGE_ID + "\", \"stream\": true}"},
            {"/v1/chat", "{\"image_id\": \"" + IMAGE_ID + "\", \"task\": \"short\", \"regions\": [{\"box\": [0, 0, 2, 2], \"segment\": true}]}"}}) {
            post(call[0], call[1]).expectStatus().isEqualTo(501)
                    .expectHeader().contentType(MediaType.APPLICATION_JSON)
                    .expectBody().jsonPath("$.error.code").isEqualTo("unimplemented")
                    .jsonPath("$.error.message").isEqualTo("the model bundle has no Segment Anything model");
        }
    }

    private WebTestClient.ResponseSpec post(String path, String json) {
        return client.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    private void assertBadRequest(String path, String json, String message) {
        post(path, json).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.code").isEqualTo("invalid_argument")
                .jsonPath("$.error.message").value(String.class, said -> assertThat(said).contains(message));
    }
}

package dev.osprey.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.Role;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.api.v1.Task;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

class ChatRequestsTest {

    private static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final String ID = "0123456789abcdef".repeat(4);

    @Test
    void everyRegionFormatAndFieldMapsToTheAskRequest() {
        AskRequest ask = toAsk("""
                {"image_id": "%s", "task": "detailed", "max_new_tokens": 32, "temperature": 0, "stop": ["."],
                 "regions": [{"rle": {"size": [2, 3], "counts": "04"}}, {"rle": {"size": [2, 3], "counts": [1, 4, 1]}},
                             {"polygons": [[0, 0, 2, 0, 2, 1]]}, {"png": "iVBORw=="}, {"box": [1, 2, 3.5, 4]}],
                 "history": [{"role": "user", "content": "what is <region1>?"}, {"role": "assistant", "content": "a cat"}]}
                """.formatted(ID));
        assertThat(ask.getImage().getImageId()).isEqualTo(ID);
        assertThat(ask.getTask()).isEqualTo(Task.TASK_DETAILED_DESCRIPTION);
        assertThat(ask.getRegionsList()).extracting(Region::getMaskCase).containsExactly(Region.MaskCase.RLE, Region.MaskCase.RLE,
                Region.MaskCase.POLYGONS, Region.MaskCase.PNG, Region.MaskCase.BOX);
        assertThat(ask.getRegions(0).getRle().getCompressed()).isEqualTo("04");
        assertThat(ask.getRegions(1).getRle().getUncompressed().getCountsList()).containsExactly(1, 4, 1);
        assertThat(ask.getRegions(2).getPolygons().getPolygons(0).getCoordinatesList()).containsExactly(0.0, 0.0, 2.0, 0.0, 2.0, 1.0);
        assertThat(ask.getRegions(3).getPng().toByteArray()).startsWith(0x89, 'P', 'N', 'G');
        assertThat(ask.getRegions(4).getBox().getWidth()).isEqualTo(3.5);
        assertThat(ask.getHistoryList()).extracting(t -> t.getRole()).containsExactly(Role.ROLE_USER, Role.ROLE_ASSISTANT);
        assertThat(ask.getSampling().getGreedy()).isTrue();
        assertThat(ask.getMaxNewTokens()).isEqualTo(32);
        assertThat(ask.getStopList()).containsExactly(".");
    }

    @Test
    void pointsABoxToSegmentAndBothAreSegmentAnythingPrompts() {
        AskRequest ask = toAsk("""
                {"image_id": "%s", "task": "short", "regions": [{"points": [[10.5, 20, 1], [3, 4, 0]]}, {"box": [1, 2, 30, 40], "segment": true},
                 {"box": [1, 2, 30, 40], "points": [[5, 6, 1]]}, {"box": [1, 2, 30, 40], "segment": false}]}
                """.formatted(ID));
        assertThat(ask.getRegionsList()).extracting(Region::getMaskCase).containsExactly(Region.MaskCase.SEGMENT, Region.MaskCase.SEGMENT,
                Region.MaskCase.SEGMENT, Region.MaskCase.BOX);
        SamPrompt points = ask.getRegions(0).getSegment();
        assertThat(points.hasBox()).isFalse();
        assertThat(points.getPointsList()).extracting(p -> p.getX() + " " + p.getY() + " " + p.getLabel())
                .containsExactly("10.5 20.0 POINT_LABEL_FOREGROUND", "3.0 4.0 POINT_LABEL_BACKGROUND");
        assertThat(ask.getRegions(1).getSegment().getPointsCount()).isZero();
        assertThat(ask.getRegions(1).getSegment().getBox().getHeight()).isEqualTo(40);
        assertThat(ask.getRegions(2).getSegment().getPointsCount()).isEqualTo(1);
        assertThat(ask.getRegions(2).getSegment().getBox().getWidth()).isEqualTo(30);
    }

    @Test
    void samplingKeepsUnsetFieldsUnsetForTheServerDefaults() {
        AskRequest ask = toAsk("{\"image_id\": \"%s\", \"prompt\": \"<region1>?\", \"top_k\": 5, \"seed\": 7}".formatted(ID));
        assertThat(ask.getSampling().getGreedy()).isFalse();
        assertThat(ask.getSampling().hasTemperature()).isFalse();
        assertThat(ask.getSampling().getTopK()).isEqualTo(5);
        assertThat(ask.getSampling().getSeed()).isEqualTo(7);
        assertThat(ask.getMaxNewTokens()).as("0: the server's default").isZero();
    }

    @Test
    void errorsNameTheField() {
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"box\": [1, 2, 3, 4], \"png\": \"\"}]}",
                "regions[0]: give exactly one of rle, polygons, png, box (got 2)");
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"rle\": {\"size\": [2], \"counts\": \"0\"}}]}",
                "regions[0].rle.size: expected [height, width]");
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"rle\": {\"size\": [2, 2], \"counts\": [1, -1]}}]}",
                "regions[0].rle.counts[1]: expected a run length");
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"png\": \"%%%%\"}]}", "regions[0].png is not base64");
        assertInvalid("{\"image_id\": \"%s\", \"prompt\": \"x\", \"history\": [{\"role\": \"system\", \"content\": \"x\"}]}",
                "history[0].role: 'system' is neither user nor assistant");
        assertInvalid("{\"image_id\": \"%s\", \"prompt\": \"x\", \"top_p\": 1.5}", "top_p must be in (0, 1]");
        assertInvalid("{\"image_id\": \"%s\", \"prompt\": \"x\", \"max_new_tokens\": 0}", "max_new_tokens must be at least 1");
        assertInvalid("{\"task\": \"short\"}", "image_id is missing");
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"points\": [[1, 2, 1]], \"rle\": {\"size\": [2, 3], "
                + "\"counts\": \"04\"}}]}", "regions[0]: a Segment Anything prompt (points, or \"segment\": true) takes a box at most");
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"points\": [[1, 2, 0.5]]}]}",
                "regions[0].points[0]: the label must be 1 (on the object) or 0 (off it), got 0.5");
        assertInvalid("{\"image_id\": \"%s\", \"task\": \"short\", \"regions\": [{\"points\": [null]}]}",
                "regions[0].points[0]: expected [x, y, label]");
    }

    private static void assertInvalid(String json, String message) {
        assertThatThrownBy(() -> toAsk(json.formatted(ID)))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                .hasMessageContaining(message);
    }

    private static AskRequest toAsk(String json) {
        return ChatRequests.toAsk(JSON.readValue(json, ChatBody.class));
    }
}

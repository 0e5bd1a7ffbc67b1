package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The JSON body of {@code POST /v1/chat}. */
@Schema(description = "A question about regions of an uploaded image. Give exactly one of task and prompt.")
public record ChatBody(
        @Schema(description = "An id from POST /v1/images", requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonProperty("image_id") String imageId,
        @Schema(description = "Regions in order: <region1> is the first. Each at the image's size (after EXIF orientation).")
        List<RegionBody> regions,
        @Schema(description = "A fixed task asked about every region, one answer each", allowableValues = {"short", "detailed", "category"})
        String task,
        @Schema(description = "A free question referring to regions as <region1>, <region2>, ...; one answer")
        String prompt,
        @Schema(description = "Earlier turns, oldest first")
        List<TurnBody> history,
        @Schema(description = "Upper bound on generated tokens", defaultValue = "256")
        @JsonProperty("max_new_tokens") Integer maxNewTokens,
        @Schema(description = "Sampling temperature; 0 means greedy", defaultValue = "0.2")
        Double temperature,
        @Schema(description = "Sample among the k most likely tokens", defaultValue = "50")
        @JsonProperty("top_k") Integer topK,
        @Schema(description = "Nucleus sampling mass", defaultValue = "1.0")
        @JsonProperty("top_p") Double topP,
        @Schema(description = "Makes sampling reproducible")
        Long seed,
        @Schema(description = "Generation also stops when the text ends with one of these")
        List<String> stop,
        @Schema(description = "Stream Server-Sent Events (as does Accept: text/event-stream)", defaultValue = "false")
        Boolean stream) {

    /** One region: exactly one mask form, or a Segment Anything prompt (points and/or a box) that SAM turns into the mask. */
    @Schema(description = "A region mask: exactly one of rle, polygons, png, box; or a Segment Anything prompt: points, points with a box,"
            + " or a box with \"segment\": true. SAM makes one mask of a prompt: the best-scored of its three candidates for one point or"
            + " a lone box, its single-output mask for more inputs (as the official ONNX export picks)")
    public record RegionBody(
            @Schema(description = "COCO RLE: {\"size\": [h, w], \"counts\": \"...\" or [runs...]}") RleBody rle,
            @Schema(description = "COCO polygons [[x0, y0, x1, y1, ...], ...]") List<List<Double>> polygons,
            @Schema(description = "A PNG mask, base64; non-zero pixels are inside") String png,
            @Schema(description = "A box [x, y, width, height] in pixels; with points or \"segment\": true, a box prompt for SAM")
            List<Double> box,
            @Schema(description = "Segment Anything points [[x, y, label], ...] in pixels, label 1 on the object and 0 off it; without a box at"
                    + " least one must be 1") List<List<Double>> points,
            @Schema(description = "true: the box is a prompt for Segment Anything, whose mask is the region (points imply it)")
            Boolean segment) {
    }

    public record RleBody(List<Integer> size, @Schema(description = "Compressed string or a list of run lengths") JsonNode counts) {
    }

    record TurnBody(@Schema(allowableValues = {"user", "assistant"}) String role, String content) {
    }
}

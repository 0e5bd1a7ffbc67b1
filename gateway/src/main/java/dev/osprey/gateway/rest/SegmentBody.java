package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The JSON body of {@code POST /v1/segment}. */
@Schema(description = "A Segment Anything prompt on an uploaded image: points, a box, or both")
record SegmentBody(
        @Schema(description = "An id from POST /v1/images", requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonProperty("image_id") String imageId,
        @Schema(description = "Points [[x, y, label], ...] in pixels, label 1 on the object and 0 off it; without a box at least one must be 1")
        List<List<Double>> points,
        @Schema(description = "The object's box [x, y, width, height] in pixels") List<Double> box,
        @Schema(description = "false: the one mask a region with this prompt becomes; true: SAM's three candidate masks", defaultValue = "false")
        Boolean multimask) {
}

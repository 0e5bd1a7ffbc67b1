package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Schema;

/** The JSON body of {@code POST /v1/describe-all}. */
@Schema(description = "Segment everything in an uploaded image and describe each mask briefly")
record DescribeAllBody(
        @Schema(description = "An id from POST /v1/images", requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonProperty("image_id") String imageId,
        @Schema(description = "The automatic mask generator's parameters (SamAutomaticMaskGenerator's names); unset ones take its defaults")
        ParamsBody params,
        @Schema(description = "Describe at most this many masks (the server's limit caps it); when there are more, those SAM scores highest")
        @JsonProperty("max_masks") Integer maxMasks,
        @Schema(description = "Upper bound on each description's tokens", defaultValue = "256")
        @JsonProperty("max_new_tokens") Integer maxNewTokens,
        @Schema(description = "Sampling temperature; 0 means greedy", defaultValue = "0.2")
        Double temperature,
        @Schema(description = "Sample among the k most likely tokens", defaultValue = "50")
        @JsonProperty("top_k") Integer topK,
        @Schema(description = "Nucleus sampling mass", defaultValue = "1.0")
        @JsonProperty("top_p") Double topP,
        @Schema(description = "Makes sampling reproducible")
        Long seed,
        @Schema(description = "Stream Server-Sent Events (as does Accept: text/event-stream)", defaultValue = "false")
        Boolean stream) {

    /** SamAutomaticMaskGenerator's parameters, by the reference's names. */
    record ParamsBody(
            @JsonProperty("points_per_side") Integer pointsPerSide,
            @JsonProperty("points_per_batch") Integer pointsPerBatch,
            @JsonProperty("pred_iou_thresh") Double predIouThresh,
            @JsonProperty("stability_score_thresh") Double stabilityScoreThresh,
            @JsonProperty("stability_score_offset") Double stabilityScoreOffset,
            @JsonProperty("box_nms_thresh") Double boxNmsThresh,
            @JsonProperty("crop_n_layers") Integer cropNLayers,
            @JsonProperty("crop_nms_thresh") Double cropNmsThresh,
            @JsonProperty("crop_overlap_ratio") Double cropOverlapRatio,
            @JsonProperty("crop_n_points_downscale_factor") Integer cropNPointsDownscaleFactor,
            @JsonProperty("min_mask_region_area") Integer minMaskRegionArea) {
    }
}

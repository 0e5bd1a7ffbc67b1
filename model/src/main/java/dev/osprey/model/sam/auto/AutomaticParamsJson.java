package dev.osprey.model.sam.auto;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads {@link AutomaticParams} from a JSON object keyed by the reference's parameter names. */
final class AutomaticParamsJson {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Every name the parameters take, in the reference's constructor order. */
    static final List<String> NAMES = List.of("points_per_side", "points_per_batch", "pred_iou_thresh", "stability_score_thresh",
            "stability_score_offset", "box_nms_thresh", "crop_n_layers", "crop_nms_thresh", "crop_overlap_ratio",
            "crop_n_points_downscale_factor", "min_mask_region_area", "output_mode");

    private AutomaticParamsJson() {
    }

    static AutomaticParams parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new OspreyException(Reason.BAD_INPUT, "automatic mask parameters cannot be parsed as JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw OspreyException.badInput("automatic mask parameters must be a JSON object such as {\"points_per_side\": 32}");
        }
        for (String name : root.propertyNames()) {
            if (name.equals("point_grids")) {
                throw OspreyException.badInput("point_grids is not supported; give points_per_side for the reference's uniform grids");
            }
            if (!NAMES.contains(name)) {
                throw OspreyException.badInput("unknown automatic mask parameter \"" + name + "\"; the parameters are " + String.join(", ", NAMES));
            }
        }
        AutomaticParams d = AutomaticParams.DEFAULTS;
        return new AutomaticParams(
                integer(root, "points_per_side", d.pointsPerSide()),
                integer(root, "points_per_batch", d.pointsPerBatch()),
                number(root, "pred_iou_thresh", d.predIouThresh()),
                number(root, "stability_score_thresh", d.stabilityScoreThresh()),
                number(root, "stability_score_offset", d.stabilityScoreOffset()),
                number(root, "box_nms_thresh", d.boxNmsThresh()),
                integer(root, "crop_n_layers", d.cropNLayers()),
                number(root, "crop_nms_thresh", d.cropNmsThresh()),
                number(root, "crop_overlap_ratio", d.cropOverlapRatio()),
                integer(root, "crop_n_points_downscale_factor", d.cropNPointsDownscaleFactor()),
                integer(root, "min_mask_region_area", d.minMaskRegionArea()),
                outputMode(root, d.outputMode()));
    }

    private static int integer(JsonNode root, String name, int fallback) {
        JsonNode value = present(root, name);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber()) {
            throw OspreyException.badInput(name + " is " + value + ", expected an integer");
        }
        if (!value.canConvertToInt()) {
            throw OspreyException.badInput(name + " is " + value + ", which is too large");
        }
        return value.asInt();
    }

    private static double number(JsonNode root, String name, double fallback) {
        JsonNode value = present(root, name);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw OspreyException.badInput(name + " is " + value + ", expected a number");
        }
        return value.asDouble();
    }

    private static OutputMode outputMode(JsonNode root, OutputMode fallback) {
        JsonNode value = present(root, "output_mode");
        if (value == null) {
            return fallback;
        }
        OutputMode mode = value.isString() ? OutputMode.byJsonName(value.asString()) : null;
        if (mode == null) {
            throw OspreyException.badInput("output_mode is " + value + ", expected \"binary_mask\", \"uncompressed_rle\" or \"coco_rle\"");
        }
        return mode;
    }

    /** The value of {@code name}, null when absent; an explicit null is refused (leave the name out for the default). */
    private static JsonNode present(JsonNode root, String name) {
        JsonNode value = root.get(name);
        if (value != null && value.isNull()) {
            throw OspreyException.badInput(name + " is null; leave it out for the default");
        }
        return value;
    }
}

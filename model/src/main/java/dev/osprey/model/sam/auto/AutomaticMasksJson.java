package dev.osprey.model.sam.auto;

import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Automatic masks as the JSON {@code {"annotations": [...]}}, each annotation with the reference's
 * fields in its order: {@code segmentation} (in the {@link OutputMode}'s form), {@code area},
 * {@code bbox}, {@code predicted_iou}, {@code point_coords} ({@code [[x, y]]}),
 * {@code stability_score}, {@code crop_box}.
 */
public final class AutomaticMasksJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AutomaticMasksJson() {
    }

    /** The JSON text of {@code masks}. */
    public static String write(List<AutomaticMask> masks, OutputMode mode) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode annotations = root.putArray("annotations");
        for (AutomaticMask m : masks) {
            ObjectNode a = annotations.addObject();
            a.set("segmentation", segmentation(m.segmentation(), mode));
            a.put("area", m.area());
            ints(a.putArray("bbox"), m.bbox());
            a.put("predicted_iou", m.predictedIou());
            a.putArray("point_coords").addArray().add(m.pointCoords()[0]).add(m.pointCoords()[1]);
            a.put("stability_score", m.stabilityScore());
            ints(a.putArray("crop_box"), m.cropBox());
        }
        return JSON.writeValueAsString(root);
    }

    private static JsonNode segmentation(BinaryMask mask, OutputMode mode) {
        if (mode == OutputMode.BINARY_MASK) {
            ArrayNode rows = JSON.createArrayNode();
            for (int y = 0; y < mask.height(); y++) {
                ArrayNode row = rows.addArray();
                for (int x = 0; x < mask.width(); x++) {
                    row.add(mask.get(y, x));
                }
            }
            return rows;
        }
        ObjectNode rle = JSON.createObjectNode();
        rle.putArray("size").add(mask.height()).add(mask.width());
        int[] counts = CocoRle.counts(mask);
        if (mode == OutputMode.COCO_RLE) {
            rle.put("counts", CocoRle.compress(counts));
        } else {
            ints(rle.putArray("counts"), counts);
        }
        return rle;
    }

    private static void ints(ArrayNode array, int[] values) {
        for (int v : values) {
            array.add(v);
        }
    }
}

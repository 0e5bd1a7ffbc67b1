package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON mask files, the forms of {@code golden/inputs/masks/}: {@code "size": [h, w]} plus one of
 * {@code "counts"} (a COCO compressed string or a list of run lengths), {@code "segmentation"} or
 * {@code "polygons"} (a list of {@code [x0, y0, x1, y1, ...]}), or {@code "bbox"}
 * ({@code [x, y, w, h]}).
 *
 * <p>A COCO annotation carries a {@code "bbox"} beside its {@code "segmentation"}; the segmentation
 * then wins, as in pycocotools' {@code annToMask}.
 */
public final class MaskJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MaskJson() {
    }

    /** Parses and rasterises a JSON mask; fails with {@code BAD_INPUT} naming what is wrong. */
    public static BinaryMask parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new OspreyException(Reason.BAD_INPUT, "mask JSON cannot be parsed: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw OspreyException.badInput("mask JSON must be an object with \"size\": [height, width]");
        }
        JsonNode size = root.get("size");
        if (size == null || !size.isArray() || size.size() != 2 || !isCount(size.get(0)) || !isCount(size.get(1))
                || size.get(0).asLong() == 0 || size.get(1).asLong() == 0) {
            throw OspreyException.badInput("mask JSON needs \"size\": [height, width] with two positive integers");
        }
        int height = size.get(0).asInt();
        int width = size.get(1).asInt();
        BinaryMask.requireValidSize(height, width);

        JsonNode counts = root.get("counts");
        JsonNode polygons = root.has("segmentation") ? root.get("segmentation") : root.get("polygons");
        if (counts != null && polygons != null) {
            throw OspreyException.badInput("mask JSON has both \"counts\" and polygons; give one");
        }
        if (root.has("segmentation") && root.has("polygons")) {
            throw OspreyException.badInput("mask JSON has both \"segmentation\" and \"polygons\"; give one");
        }
        if (counts != null) {
            return rle(counts, height, width);
        }
        if (polygons != null) {
            return CocoPolygons.rasterize(polygons(polygons), height, width);
        }
        JsonNode bbox = root.get("bbox");
        if (bbox != null) {
            double[] box = numbers(bbox, "\"bbox\"");
            if (box.length != 4) {
                throw OspreyException.badInput("\"bbox\" has " + box.length + " numbers, expected [x, y, width, height]");
            }
            return CocoBox.rasterize(box[0], box[1], box[2], box[3], height, width);
        }
        throw OspreyException.badInput("mask JSON needs one of \"counts\" (COCO RLE), \"segmentation\" or \"polygons\", or \"bbox\"");
    }

    private static BinaryMask rle(JsonNode counts, int height, int width) {
        if (counts.isString()) {
            return CocoRle.decode(height, width, counts.asString());
        }
        if (!counts.isArray()) {
            throw OspreyException.badInput("\"counts\" must be a COCO RLE string or a list of run lengths");
        }
        int[] runs = new int[counts.size()];
        for (int i = 0; i < runs.length; i++) {
            JsonNode c = counts.get(i);
            if (!isCount(c) || c.asLong() > Integer.MAX_VALUE) {
                throw OspreyException.badInput("\"counts\"[" + i + "] is " + c + ", expected a run length ≥ 0");
            }
            runs[i] = c.asInt();
        }
        return CocoRle.fromCounts(height, width, runs);
    }

    private static List<double[]> polygons(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw OspreyException.badInput("polygons must be a non-empty list of [x0, y0, x1, y1, ...] lists");
        }
        List<double[]> polygons = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            polygons.add(numbers(node.get(i), "polygon " + i));
        }
        return polygons;
    }

    private static double[] numbers(JsonNode node, String what) {
        if (!node.isArray()) {
            throw OspreyException.badInput(what + " must be a list of numbers, got " + node.getNodeType().name().toLowerCase());
        }
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isNumber()) {
                throw OspreyException.badInput(what + "[" + i + "] is " + v + ", expected a number");
            }
            values[i] = v.asDouble();
        }
        return values;
    }

    /** A non-negative integer that fits an int (JSON 3.0 counts as one). */
    private static boolean isCount(JsonNode node) {
        return node != null && node.isNumber() && node.asDouble() >= 0 && node.asDouble() <= Integer.MAX_VALUE
                && node.asDouble() == Math.rint(node.asDouble());
    }
}

package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An automatic case of the SAM golden set ({@code automatic/<id>.json}): its parameters, crops and
 * annotations, and the comparison of a candidate's annotations with the golden README's tolerances.
 */
public record AutomaticGoldenCase(String id, JsonNode json) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Every automatic case in the golden folder. */
    public static List<AutomaticGoldenCase> all() {
        Path dir = GoldenSam.file("automatic");
        List<AutomaticGoldenCase> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String name = f.getFileName().toString();
                cases.add(new AutomaticGoldenCase(name.substring(0, name.length() - ".json".length()), JSON.readTree(f.toFile())));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
        return cases;
    }

    /** The case's parameters as the JSON object the reference was called with. */
    public String paramsJson() {
        return json.get("params").toString();
    }

    AutomaticParams params() {
        return AutomaticParams.fromJson(paramsJson());
    }

    /** The image file the case segments. */
    public Path image() {
        return GoldenSam.file("automatic").resolve(json.get("image_file").asString()).normalize();
    }

    JsonNode crops() {
        return json.get("crops");
    }

    public JsonNode annotations() {
        return json.get("annotations");
    }

    public static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (int) array.get(i).asDouble();
        }
        return values;
    }

    /**
     * Asserts that {@code candidate} (annotations as {@link AutomaticMasksJson} writes them, in COCO RLE)
     * are the golden ones in order, each with the reference's fields in order and within the README's
     * tolerances: segmentation and area within max(10, 0.1 % of the area) pixels, bbox ±1 px,
     * predicted_iou 1e-4, stability_score 1e-3, point_coords 1e-6, crop_box exact. Returns the worst
     * differences, for the record.
     */
    public String assertAnnotationsMatch(JsonNode candidate) {
        JsonNode golden = annotations();
        assertThat(candidate.size()).as("%s annotations", id).isEqualTo(golden.size());
        double worstIou = 0;
        double worstStability = 0;
        double worstPoint = 0;
        int worstPixels = 0;
        int worstBox = 0;
        for (int i = 0; i < golden.size(); i++) {
            JsonNode g = golden.get(i);
            JsonNode a = candidate.get(i);
            String what = id + " annotation " + i;
            assertThat(a.propertyNames()).as("%s fields", what).containsExactly(FIELDS);
            BinaryMask expected = rle(g.get("segmentation"));
            BinaryMask actual = rle(a.get("segmentation"));
            int area = g.get("area").asInt();
            int budget = Math.max(10, (int) (0.001 * area));
            int differing = differing(expected, actual);
            assertThat(differing).as("%s pixels differing from the golden segmentation", what).isLessThanOrEqualTo(budget);
            assertThat(a.get("area").asInt()).as("%s area", what).isCloseTo(area, within(budget)).isEqualTo((int) actual.area());
            int[] box = ints(a.get("bbox"));
            int[] goldenBox = ints(g.get("bbox"));
            for (int k = 0; k < 4; k++) {
                worstBox = Math.max(worstBox, Math.abs(box[k] - goldenBox[k]));
            }
            assertThat(worstBox).as("%s bbox %s vs %s", what, a.get("bbox"), g.get("bbox")).isLessThanOrEqualTo(1);
            double iou = a.get("predicted_iou").asDouble();
            assertThat(iou).as("%s predicted_iou", what).isCloseTo(g.get("predicted_iou").asDouble(), within(1e-4));
            double stability = a.get("stability_score").asDouble();
            assertThat(stability).as("%s stability_score", what).isCloseTo(g.get("stability_score").asDouble(), within(1e-3));
            JsonNode point = a.get("point_coords");
            assertThat(point.size()).as("%s point_coords", what).isEqualTo(1);
            for (int k = 0; k < 2; k++) {
                double v = point.get(0).get(k).asDouble();
                double expectedV = g.get("point_coords").get(0).get(k).asDouble();
                assertThat(v).as("%s point_coords[0][%d]", what, k).isCloseTo(expectedV, within(1e-6));
                worstPoint = Math.max(worstPoint, Math.abs(v - expectedV));
            }
            assertThat(ints(a.get("crop_box"))).as("%s crop_box", what).containsExactly(ints(g.get("crop_box")));
            worstIou = Math.max(worstIou, Math.abs(iou - g.get("predicted_iou").asDouble()));
            worstStability = Math.max(worstStability, Math.abs(stability - g.get("stability_score").asDouble()));
            worstPixels = Math.max(worstPixels, differing);
        }
        return String.format("%s: %d masks, worst differences: %d pixels, bbox %d px, predicted_iou %.2e, stability %.2e, point %.2e", id,
                golden.size(), worstPixels, worstBox, worstIou, worstStability, worstPoint);
    }

    /** The reference's annotation fields, in its order. */
    private static final String[] FIELDS = {"segmentation", "area", "bbox", "predicted_iou", "point_coords", "stability_score", "crop_box"};

    private static BinaryMask rle(JsonNode segmentation) {
        return CocoRle.decode(segmentation.get("size").get(0).asInt(), segmentation.get("size").get(1).asInt(),
                segmentation.get("counts").asString());
    }

    private static int differing(BinaryMask a, BinaryMask b) {
        assertThat(b.size()).isEqualTo(a.size());
        int n = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            n += a.pixels()[i] != b.pixels()[i] ? 1 : 0;
        }
        return n;
    }

    @Override
    public String toString() {
        return id;
    }
}

package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The annotations file in each of the reference's output modes. */
class AutomaticMasksJsonTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // 2 rows x 3 columns; column-major runs: (0,0)=0 (1,0)=1 (0,1)=1 (1,1)=0 (0,2)=0 (1,2)=0 -> 1, 2, 3
    private static final BinaryMask MASK = new BinaryMask(2, 3, new byte[] {0, 1, 0, 1, 0, 0});
    private static final AutomaticMask ANNOTATION = new AutomaticMask(MASK, 2, new int[] {0, 0, 1, 1}, 0.7939348220825195,
            new double[] {18.8125, 105.4375}, 0.25242719054222107, new int[] {0, 0, 301, 241});

    @Test
    void cocoRleAnnotationsHaveTheReferencesFieldsInOrder() {
        JsonNode root = JSON.readTree(AutomaticMasksJson.write(List.of(ANNOTATION, ANNOTATION), OutputMode.COCO_RLE));
        assertThat(root.propertyNames()).containsExactly("annotations");
        assertThat(root.get("annotations")).hasSize(2);
        JsonNode a = root.get("annotations").get(0);
        assertThat(a.propertyNames()).containsExactly("segmentation", "area", "bbox", "predicted_iou", "point_coords", "stability_score", "crop_box");
        assertThat(a.get("segmentation").toString()).isEqualTo("{\"size\":[2,3],\"counts\":\"123\"}");
        assertThat(a.get("area").isInt()).isTrue();
        assertThat(a.get("bbox").toString()).isEqualTo("[0,0,1,1]");
        assertThat(a.get("predicted_iou").asDouble()).isEqualTo(0.7939348220825195);
        assertThat(a.get("point_coords").toString()).isEqualTo("[[18.8125,105.4375]]");
        assertThat(a.get("stability_score").asDouble()).isEqualTo(0.25242719054222107);
        assertThat(a.get("crop_box").toString()).isEqualTo("[0,0,301,241]");
    }

    @Test
    void uncompressedRleHasTheRunLengths() {
        JsonNode a = JSON.readTree(AutomaticMasksJson.write(List.of(ANNOTATION), OutputMode.UNCOMPRESSED_RLE)).get("annotations").get(0);
        assertThat(a.get("segmentation").toString()).isEqualTo("{\"size\":[2,3],\"counts\":[1,2,3]}");
    }

    @Test
    void binaryMasksAreRowsOfBooleans() {
        JsonNode a = JSON.readTree(AutomaticMasksJson.write(List.of(ANNOTATION), OutputMode.BINARY_MASK)).get("annotations").get(0);
        assertThat(a.get("segmentation").toString()).isEqualTo("[[false,true,false],[true,false,false]]");
    }

    @Test
    void noMasksIsAnEmptyList() {
        assertThat(AutomaticMasksJson.write(List.of(), OutputMode.COCO_RLE)).isEqualTo("{\"annotations\":[]}");
    }
}

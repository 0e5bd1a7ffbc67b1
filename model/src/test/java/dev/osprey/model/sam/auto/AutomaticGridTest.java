package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Point grids and crop boxes: the reference's values, checked against every golden automatic case. */
class AutomaticGridTest {

    @Test
    void linspaceIsNumpysWithTheExactEndPoint() {
        assertThat(PointGrid.linspace(0.0625, 0.9375, 8)).containsExactly(0.0625, 0.1875, 0.3125, 0.4375, 0.5625, 0.6875, 0.8125, 0.9375);
        assertThat(PointGrid.linspace(0.5, 0.5, 1)).containsExactly(0.5);
        // 1/64 + 31 * (31/32 / 31) is not 63/64 in double; numpy sets the last value to stop
        double[] side = PointGrid.linspace(1.0 / 64, 1 - 1.0 / 64, 32);
        assertThat(side[31]).isEqualTo(1 - 1.0 / 64);
        assertThat(side[5]).isEqualTo(5 * ((1 - 1.0 / 64 - 1.0 / 64) / 31) + 1.0 / 64);
    }

    @Test
    void gridPointsVaryInXFastest() {
        assertThat(PointGrid.square(2)).containsExactly(0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75);
        assertThat(PointGrid.pointsPerSide(32, 2, 2)).isEqualTo(8);
        assertThat(PointGrid.pointsPerSide(10, 1, 3)).isEqualTo(3);
        assertThat(PointGrid.forLayer(10, 1, 3)).hasSize(18);
    }

    @Test
    void cropBoxesAreTheGoldenOnes() throws IOException {
        for (AutomaticGoldenCase c : AutomaticGoldenCase.all()) {
            AutomaticParams params = c.params();
            RgbImage image = new ImageDecoder().decode(Files.readAllBytes(c.image()));
            List<CropBox> crops = CropBox.forImage(image.height(), image.width(), params.cropNLayers(), params.cropOverlapRatio());
            assertThat(crops).as(c.id()).hasSize(c.crops().size());
            for (int i = 0; i < crops.size(); i++) {
                JsonNode golden = c.crops().get(i);
                CropBox crop = crops.get(i);
                assertThat(new int[] {crop.x0(), crop.y0(), crop.x1(), crop.y1()}).as("%s crop %d", c, i)
                        .containsExactly(AutomaticGoldenCase.ints(golden.get("crop_box_xyxy")));
                assertThat(crop.layer()).as("%s crop %d layer", c, i).isEqualTo(golden.get("layer").asInt());
                int n = PointGrid.pointsPerSide(params.pointsPerSide(), crop.layer(), params.cropNPointsDownscaleFactor());
                assertThat(n * n).as("%s crop %d points", c, i).isEqualTo(golden.get("points").asInt());
            }
        }
    }

    /** Every golden mask's point is a grid point of its crop, scaled by the crop size, offset by its origin, in double. */
    @Test
    void everyGoldenPointIsAScaledGridPointOfItsCrop() {
        for (AutomaticGoldenCase c : AutomaticGoldenCase.all()) {
            AutomaticParams params = c.params();
            for (JsonNode a : c.annotations()) {
                int[] box = AutomaticGoldenCase.ints(a.get("crop_box"));
                CropBox crop = new CropBox(box[0], box[1], box[0] + box[2], box[1] + box[3], -1);
                int layer = layerOf(c, crop);
                double[] grid = PointGrid.forLayer(params.pointsPerSide(), layer, params.cropNPointsDownscaleFactor());
                double x = a.get("point_coords").get(0).get(0).asDouble();
                double y = a.get("point_coords").get(0).get(1).asDouble();
                boolean found = false;
                for (int p = 0; p < grid.length; p += 2) {
                    found |= grid[p] * crop.width() + crop.x0() == x && grid[p + 1] * crop.height() + crop.y0() == y;
                }
                assertThat(found).as("%s point (%s, %s) on the grid of %s", c, x, y, crop).isTrue();
            }
        }
    }

    @Test
    void tooSmallImagesForTheCropLayersAreRefused() {
        assertThatThrownBy(() -> CropBox.forImage(1, 1, 1, 512.0 / 1500)).isInstanceOf(OspreyException.class)
                .hasMessageContaining("1x1 image is too small for crop_n_layers 1");
        assertThat(CropBox.forImage(2, 2, 1, 512.0 / 1500)).hasSize(5);
    }

    @Test
    void innerCropEdgesAreWithin20PixelsAndImageEdgesDoNotCount() {
        CropBox crop = new CropBox(179, 0, 480, 241, 1);
        assertThat(crop.nearInnerEdge(new int[] {199, 30, 300, 200}, 480, 360)).isTrue();
        assertThat(crop.nearInnerEdge(new int[] {200, 30, 300, 200}, 480, 360)).isFalse();
        assertThat(crop.nearInnerEdge(new int[] {200, 0, 479, 200}, 480, 360)).as("top and right are image edges").isFalse();
        assertThat(crop.nearInnerEdge(new int[] {200, 30, 300, 221}, 480, 360)).isTrue();
        assertThat(crop.nearInnerEdge(new int[] {200, 30, 300, 220}, 480, 360)).isFalse();
    }

    private static int layerOf(AutomaticGoldenCase c, CropBox crop) {
        for (JsonNode g : c.crops()) {
            int[] xyxy = AutomaticGoldenCase.ints(g.get("crop_box_xyxy"));
            if (xyxy[0] == crop.x0() && xyxy[1] == crop.y0() && xyxy[2] == crop.x1() && xyxy[3] == crop.y1()) {
                return g.get("layer").asInt();
            }
        }
        throw new AssertionError(c + " has no crop " + crop);
    }
}

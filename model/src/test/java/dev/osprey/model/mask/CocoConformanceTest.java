package dev.osprey.model.mask;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every case of the golden pycocotools conformance set gives pycocotools' exact results. */
class CocoConformanceTest {

    private static final Path DIR = Golden.file("conformance/pycocotools");
    private static final JsonNode SET = JsonMapper.builder().build().readTree(DIR.resolve("pycocotools.json").toFile());

    @Test
    void everyMaskEncodesDecodesAndMeasuresLikePycocotools() throws IOException {
        JsonNode masks = SET.get("masks");
        assertThat(masks.size()).isEqualTo(20);
        for (JsonNode c : masks) {
            String file = c.get("file").asString();
            BinaryMask png = PngMasks.decode(Files.readAllBytes(DIR.resolve(file)));
            int h = c.get("size").get(0).asInt();
            int w = c.get("size").get(1).asInt();
            assertThat(png.height()).as(file).isEqualTo(h);
            assertThat(png.width()).as(file).isEqualTo(w);

            int[] uncompressed = ints(c.get("uncompressed_counts"));
            assertThat(CocoRle.counts(png)).as("%s uncompressed counts", file).containsExactly(uncompressed);
            assertThat(CocoRle.encode(png)).as("%s compressed counts", file).isEqualTo(c.get("counts").asString());
            assertThat(CocoRle.decode(h, w, c.get("counts").asString())).as("%s decoded string", file).isEqualTo(png);
            assertThat(CocoRle.fromCounts(h, w, uncompressed)).as("%s decoded counts", file).isEqualTo(png);
            assertThat(CocoRle.decompress(c.get("counts").asString())).as(file).containsExactly(uncompressed);
            assertThat(png.area()).as("%s area", file).isEqualTo(c.get("area").asLong());
            assertThat(png.bbox()).as("%s bbox", file).containsExactly(doubles(c.get("bbox")));
        }
    }

    @Test
    void everyPolygonSetRasterisesLikeFrPyObjectsAndMerge() throws IOException {
        JsonNode sets = SET.get("polygons");
        assertThat(sets.size()).isEqualTo(10);
        for (JsonNode c : sets) {
            String file = c.get("mask_file").asString();
            int h = c.get("size").get(0).asInt();
            int w = c.get("size").get(1).asInt();
            List<double[]> polygons = new ArrayList<>();
            for (int i = 0; i < c.get("segmentation").size(); i++) {
                double[] xy = doubles(c.get("segmentation").get(i));
                polygons.add(xy);
                assertThat(CocoRle.compress(CocoPolygons.polygonCounts(xy, h, w)))
                        .as("%s polygon %d", file, i).isEqualTo(c.get("per_polygon_counts").get(i).asString());
            }
            BinaryMask merged = CocoPolygons.rasterize(polygons, h, w);
            assertThat(CocoRle.encode(merged)).as("%s merged", file).isEqualTo(c.get("merged_counts").asString());
            assertThat(merged.area()).as("%s area", file).isEqualTo(c.get("area").asLong());
            assertThat(merged.bbox()).as("%s bbox", file).containsExactly(doubles(c.get("bbox")));
            assertThat(merged).as("%s png", file).isEqualTo(PngMasks.decode(Files.readAllBytes(DIR.resolve(file))));
        }
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }
}

package dev.osprey.model.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Mask files as the CLI reads them: the golden inputs and the errors users see. */
class MaskFilesTest {

    @TempDir
    Path tmp;

    @Test
    void everyGoldenInputMaskDecodesToOneMaskFromPngRleAndPolygons() {
        Path inputs = Golden.file("inputs");
        JsonNode manifest = JsonMapper.builder().build().readTree(inputs.resolve("manifest.json").toFile());
        int polygons = 0;
        int masks = 0;
        for (JsonNode image : manifest.get("images")) {
            for (JsonNode m : image.get("masks")) {
                BinaryMask png = MaskFiles.read(inputs.resolve(m.get("png").asString()), 1);
                MaskCodec.requireSize(1, png, image.get("height").asInt(), image.get("width").asInt());
                assertThat(png.area()).as(m.get("id").asString()).isEqualTo(m.get("area").asLong());
                assertThat(MaskFiles.read(inputs.resolve(m.get("rle").asString()), 1)).as(m.get("rle").asString()).isEqualTo(png);
                if (m.has("polygon")) {
                    assertThat(MaskFiles.read(inputs.resolve(m.get("polygon").asString()), 1)).as(m.get("polygon").asString()).isEqualTo(png);
                    polygons++;
                }
                masks++;
            }
        }
        assertThat(masks).isEqualTo(8);
        assertThat(polygons).isEqualTo(5);
    }

    @Test
    void uncompressedCountsAndThePolygonsKeyAreAccepted() {
        BinaryMask counts = MaskFiles.read(write("a.json", "{\"size\":[2,3],\"counts\":[1,2,3]}"), 1);
        // column-major: (0,0) out, (y1,x0) and (y0,x1) in, the rest out
        assertThat(counts.pixels()).containsExactly(0, 1, 0, 1, 0, 0);
        BinaryMask polygons = MaskFiles.read(write("p.json", "{\"size\":[39,351],\"polygons\":[[165,16,282,16,282,29,165,29]]}"), 1);
        assertThat(polygons.area()).isEqualTo(117 * 13);
    }

    @Test
    void anIntegerBoxIsTheRectanglePolygonPycocotoolsMakesOfIt() {
        BinaryMask box = MaskFiles.read(write("b.json", "{\"size\":[39,351],\"bbox\":[165,16,117,13]}"), 1);
        BinaryMask polygon = CocoPolygons.rasterize(List.of(new double[] {165, 16, 282, 16, 282, 29, 165, 29}), 39, 351);
        assertThat(box).isEqualTo(polygon);
        assertThat(box.bbox()).containsExactly(165, 16, 117, 13);
    }

    @Test
    void aFractionalBoxCoversThePixelsWhoseCentresTheRoundedOutlineEncloses() {
        // x edges 2.3 -> 11.5 -> 12 and 5.9 -> 29.5 -> 30: columns 2..5 (centres 2.5 .. 5.5 of the 1/5 grid), y edges 1.25 -> 6.25 -> 6, 3.5 -> 18: rows 1..3
        BinaryMask box = CocoBox.rasterize(2.3, 1.25, 3.6, 2.25, 8, 8);
        assertThat(box.bbox()).containsExactly(2, 1, 4, 3);
        assertThat(box.area()).isEqualTo(12);
        BinaryMask clipped = CocoBox.rasterize(-3, -2, 5, 4, 8, 8);
        assertThat(clipped.bbox()).containsExactly(0, 0, 2, 2);
    }

    @Test
    void errorsNameTheRegionAndWhatToFix() {
        assertBadInput(() -> MaskFiles.read(write("sum.json", "{\"size\":[32,32],\"counts\":[100,1100]}"), 1),
                "region 1: RLE counts sum to 1200, expected h*w = 1024");
        assertBadInput(() -> MaskFiles.read(write("odd.json", "{\"size\":[32,32],\"segmentation\":[[1,2,3,4,5]]}"), 3),
                "region 3: polygon 0 has 5 coordinates (needs an even number ≥ 6)");
        assertBadInput(() -> MaskFiles.read(write("box.json", "{\"size\":[32,32],\"bbox\":[10,10,-5,3]}"), 1),
                "region 1: box [10, 10, -5, 3] has a negative width");
        assertBadInput(() -> MaskFiles.read(write("out.json", "{\"size\":[32,32],\"bbox\":[40,1,5,3]}"), 2),
                "region 2: box [40, 1, 5, 3] lies outside the 32x32 image");
        assertBadInput(() -> MaskFiles.read(write("str.json", "{\"size\":[32,32],\"counts\":\"0~\"}"), 1),
                "region 1: RLE string has '~' at 1 (COCO RLE uses the characters '0' to 'o')");
        assertBadInput(() -> MaskFiles.read(write("cut.json", "{\"size\":[32,32],\"counts\":\"P\"}"), 1),
                "region 1: RLE string ends in the middle of a count");
        assertBadInput(() -> MaskFiles.read(write("nosize.json", "{\"counts\":\"PP\"}"), 1),
                "region 1: mask JSON needs \"size\": [height, width] with two positive integers");
        assertBadInput(() -> MaskFiles.read(write("none.json", "{\"size\":[2,2]}"), 1),
                "region 1: mask JSON needs one of \"counts\" (COCO RLE), \"segmentation\" or \"polygons\", or \"bbox\"");
        assertBadInput(() -> MaskFiles.read(write("far.json", "{\"size\":[10,10],\"polygons\":[[0,0,1e9,0,5,5]]}"), 1),
                "region 1: polygon 0 has coordinate 1.0E9 at index 2, outside ±100 for a 10x10 image");
        assertBadInput(() -> MaskFiles.read(write("text.txt", "hello"), 4),
                "region 4: " + tmp.resolve("text.txt") + " is neither a PNG nor a JSON mask file");
        assertBadInput(() -> MaskFiles.read(tmp.resolve("missing.png"), 1),
                "region 1: mask file " + tmp.resolve("missing.png") + " does not exist");
        assertBadInput(() -> MaskCodec.requireSize(2, BinaryMask.empty(480, 640), 768, 1024),
                "region 2: mask is 640x480, the image is 1024x768");
        assertBadInput(() -> MaskCodec.requireNotEmpty(1, BinaryMask.empty(4, 4)), "region 1: mask is empty (no pixel inside)");
    }

    @Test
    void aSizeBeyondTheMaskLimitIsRefusedBeforeAnythingIsAllocated() {
        // Found by MaskInputFuzzTest: counts that add up to a huge size made BinaryMask allocate it
        // (OutOfMemoryError) or overflow int (ArithmeticException); a negative size reached Math.clamp.
        assertBadInput(() -> MaskFiles.read(write("huge.json", "{\"size\":[1e9,1e9],\"counts\":[1000]}"), 1),
                "region 1: a 1000000000x1000000000 mask has 1000000000000000000 pixels, the limit is 50000000 (50 megapixels, as for images)");
        assertBadInput(() -> MaskFiles.read(write("wide.json", "{\"size\":[1,2147483647],\"counts\":[2147483647]}"), 1),
                "region 1: a 2147483647x1 mask has 2147483647 pixels, the limit is 50000000 (50 megapixels, as for images)");
        assertBadInput(() -> CocoRle.fromCounts(65536, 65536, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 2}),
                "a 65536x65536 mask has 4294967296 pixels, the limit is 50000000 (50 megapixels, as for images)");
        assertBadInput(() -> CocoPolygons.rasterize(List.of(new double[] {0, 0, 5, 0, 5, 5}), -1, 7071),
                "a mask needs a positive size, got 7071x-1");
        assertBadInput(() -> CocoBox.rasterize(0, 0, 5, 5, 7072, 7072),
                "a 7072x7072 mask has 50013184 pixels, the limit is 50000000 (50 megapixels, as for images)");
        assertThat(CocoRle.fromCounts(1, 50_000_000, new int[] {50_000_000}).area()).isZero();
    }

    @Test
    void polygonCoordinatesAreLimitedSoThatTheOutlineArithmeticCannotOverflow() {
        // Found by MaskInputFuzzTest: on a 1x50,000,000 mask, ten widths out is 5e8, which scaled by 5
        // overflowed int: ArrayIndexOutOfBoundsException or NegativeArraySizeException in the outline walk.
        assertBadInput(() -> CocoPolygons.rasterize(List.of(new double[] {0, 0, 4.99e8, 0, 4.99e8, 1}), 1, 50_000_000),
                "polygon 0 has coordinate 4.99E8 at index 2, outside ±200000000 for a 50000000x1 image");
        assertBadInput(() -> CocoPolygons.rasterize(List.of(new double[] {4.9e8, 0, -4.9e8, 0.5, 0, 0.9}), 1, 50_000_000),
                "polygon 0 has coordinate 4.9E8 at index 0, outside ±200000000 for a 50000000x1 image");
        assertThat(CocoPolygons.rasterize(List.of(new double[] {-2e8, 0, -2e8, 1, -2e8 + 1, 0}), 1, 50_000_000).area()).isZero();
    }

    @Test
    void masksOfDifferentSizesAreRejectedTogether() {
        Path a = write("a.json", "{\"size\":[2,3],\"counts\":[6]}");
        Path b = write("b.json", "{\"size\":[3,2],\"counts\":[6]}");
        assertThat(MaskFiles.readAll(List.of(a, a))).hasSize(2);
        assertBadInput(() -> MaskFiles.readAll(List.of(a, b)),
                "region 2: mask is 2x3, region 1's is 3x2 (all masks must have the image's size)");
    }

    private Path write(String name, String content) {
        try {
            return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertBadInput(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }
}

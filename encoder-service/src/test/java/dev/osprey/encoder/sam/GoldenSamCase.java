package dev.osprey.encoder.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.PngMasks;
import dev.osprey.model.sam.SamBox;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrompt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One prompt case of the SAM golden set ({@code reference/<image>/<case>/case.json}): its call in
 * original pixels and the check that masks are the reference's, by the README's band rule (a pixel may
 * differ from {@code mask_<k>.png} only where the reference's logit is within 2e-3 of zero).
 *
 * @param name "image/case", e.g. {@code s1_img0/point1_mm}
 */
public record GoldenSamCase(String name, String image, SamPrompt prompt, boolean multimask, int width, int height, int bestIndex) {

    /** Where a pixel may flip: the README's threshold on |golden logit|. */
    private static final double FLIP_LOGIT = 2e-3;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The case {@code image/case}. */
    public static GoldenSamCase read(String name) {
        JsonNode json = JSON.readTree(GoldenSam.file("reference/" + name + "/case.json").toFile());
        JsonNode api = json.get("api");
        List<SamPoint> points = new ArrayList<>();
        JsonNode coords = api.get("point_coords");
        for (int i = 0; coords != null && !coords.isNull() && i < coords.size(); i++) {
            points.add(new SamPoint(coords.get(i).get(0).asDouble(), coords.get(i).get(1).asDouble(), api.get("point_labels").get(i).asInt()));
        }
        JsonNode box = api.get("box");
        SamBox samBox = box == null || box.isNull() ? null
                : new SamBox(box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(), box.get(3).asDouble());
        return new GoldenSamCase(name, json.get("image").asString(), new SamPrompt(points, samBox, null),
                api.get("multimask_output").asBoolean(), json.get("original_size").get(1).asInt(), json.get("original_size").get(0).asInt(),
                json.get("best_mask_index").asInt());
    }

    /** The PNG bytes of the case's image. */
    public byte[] imageBytes() {
        return imageBytes(image);
    }

    /** The PNG bytes of a golden input image. */
    public static byte[] imageBytes(String image) {
        try {
            return Files.readAllBytes(GoldenSam.file("inputs/images/" + image + ".png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that {@code masks} are the reference's masks, in order, pixel for pixel but for flips
     * where the reference's logit is near zero.
     */
    public void assertMasks(List<BinaryMask> masks) {
        Path dir = GoldenSam.file("reference/" + name);
        Map<Long, Float> band = band(dir.resolve("tensors.safetensors"));
        assertThat(masks).as(name).hasSize(multimask ? 3 : 1);
        for (int k = 0; k < masks.size(); k++) {
            BinaryMask golden;
            try {
                golden = PngMasks.decode(Files.readAllBytes(dir.resolve("mask_" + k + ".png")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            BinaryMask mask = masks.get(k);
            assertThat(new int[] {mask.width(), mask.height()}).as("%s mask %d size", name, k).containsExactly(width, height);
            for (int p = 0; p < golden.pixels().length; p++) {
                if (golden.pixels()[p] != mask.pixels()[p]) {
                    Float logit = band.get((long) k * width * height + p);
                    assertThat(logit).as("%s mask %d differs at (%d, %d) outside the band", name, k, p % width, p / width).isNotNull();
                    assertThat(Math.abs(logit)).as("%s mask %d flips at (%d, %d)", name, k, p % width, p / width).isLessThan((float) FLIP_LOGIT);
                }
            }
        }
    }

    // Flat index into [K,H,W] -> golden logit, for every |logit| < 0.01.
    private static Map<Long, Float> band(Path tensors) {
        try (SafetensorsFile file = SafetensorsFile.open(tensors)) {
            LongBuffer index = file.get("band_index").bytes().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            float[] logits = file.get("band_logits").toFloats();
            Map<Long, Float> band = new HashMap<>();
            for (int i = 0; i < logits.length; i++) {
                band.put(index.get(i), logits[i]);
            }
            return band;
        }
    }
}

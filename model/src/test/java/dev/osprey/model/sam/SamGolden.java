package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import dev.osprey.model.mask.PngMasks;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SAM golden set read through its manifest (every image and case it lists, whatever their names
 * and sizes), the tiny checkpoint's graphs built once per test run, and the comparisons of the
 * golden README (band rule for masks).
 */
public final class SamGolden {

    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static SamModelFiles tinyGraphs;

    private SamGolden() {
    }

    /** One predictor case: its image, its folder and its case.json. */
    public record Case(String image, String id, Path dir, JsonNode json) {
        @Override
        public String toString() {
            return image + "/" + id;
        }

        public SafetensorsFile tensors() {
            return SafetensorsFile.open(dir.resolve("tensors.safetensors"));
        }
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The image ids of the manifest. */
    public static Stream<String> images() {
        List<String> ids = new ArrayList<>();
        json(GoldenSam.file("inputs/manifest.json")).get("images").forEach(i -> {
            if (Files.exists(GoldenSam.dir().resolve("reference/" + i.get("id").asString() + "/image.json"))) {
                ids.add(i.get("id").asString());
            }
        });
        assertThat(ids).isNotEmpty();
        return ids.stream();
    }

    /** Every predictor case of every image, as each image.json lists them. */
    public static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        images().forEach(image -> imageJson(image).get("cases").forEach(c -> {
            Path dir = GoldenSam.file("reference/" + image + "/" + c.asString());
            cases.add(new Case(image, c.asString(), dir, json(dir.resolve("case.json"))));
        }));
        assertThat(cases).isNotEmpty();
        return cases.stream();
    }

    /** The cases with an ONNX section. */
    public static Stream<Case> onnxCases() {
        return cases().filter(c -> c.json().has("onnx"));
    }

    public static JsonNode imageJson(String image) {
        return json(GoldenSam.file("reference/" + image + "/image.json"));
    }

    /** The input image file of a golden image id. */
    public static Path imageFile(String image) {
        return GoldenSam.file("reference/" + image).resolve(imageJson(image).get("image_file").asString()).normalize();
    }

    /** The input image of a golden image id. */
    public static RgbImage image(String image) {
        return decode(imageFile(image));
    }

    public static RgbImage decode(Path file) {
        try {
            // conformance images are as thin as 640x2: no aspect-ratio limit here
            return new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, Integer.MAX_VALUE).decode(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden embedding of an image with the sizes its image.json gives. */
    public static SamEmbedding embedding(String image) {
        JsonNode json = imageJson(image);
        try (SafetensorsFile file = SafetensorsFile.open(GoldenSam.file("reference/" + image + "/image.safetensors"))) {
            Tensor e = file.get("image_embeddings");
            return new SamEmbedding(e.toFloats(), (int) e.shape()[1], json.get("original_size").get(0).asInt(),
                    json.get("original_size").get(1).asInt(), json.get("input_size").get(0).asInt(), json.get("input_size").get(1).asInt());
        }
    }

    /** The tiny checkpoint's graphs, written once per test run. */
    public static synchronized SamModelFiles tinyGraphs() {
        if (tinyGraphs == null) {
            try (SamCheckpoint checkpoint = SamCheckpoint.open(GoldenSam.pthCheckpoint(), null)) {
                Path dir = Files.createTempDirectory("sam-tiny-graphs");
                dir.toFile().deleteOnExit();
                tinyGraphs = SamGraphs.write(checkpoint, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tinyGraphs;
    }

    /** The tiny checkpoint's geometry. */
    public static SamConfig tinyConfig() {
        try (SamCheckpoint checkpoint = SamCheckpoint.open(GoldenSam.pthCheckpoint(), null)) {
            return checkpoint.config();
        }
    }

    /** The prompt a case's API call made. */
    public static SamPrompt prompt(Case c, float[] maskInput) {
        JsonNode api = c.json().get("api");
        List<SamPoint> points = new ArrayList<>();
        JsonNode coords = api.get("point_coords");
        if (coords != null && !coords.isNull()) {
            for (int i = 0; i < coords.size(); i++) {
                points.add(new SamPoint(coords.get(i).get(0).asDouble(), coords.get(i).get(1).asDouble(), api.get("point_labels").get(i).asInt()));
            }
        }
        JsonNode box = api.get("box");
        SamBox samBox = box == null || box.isNull() ? null
                : new SamBox(box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(), box.get(3).asDouble());
        return new SamPrompt(points, samBox, maskInput);
    }

    public static long[] longs(Tensor t) {
        ByteBuffer b = t.bytes();
        long[] out = new long[(int) t.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong(8 * i);
        }
        return out;
    }

    public static int[] ints(Tensor t) {
        ByteBuffer b = t.bytes();
        int[] out = new int[(int) t.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt(4 * i);
        }
        return out;
    }

    public static BinaryMask png(Path file) {
        try {
            return PngMasks.decode(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BinaryMask rle(JsonNode rle) {
        return CocoRle.decode(rle.get("size").get(0).asInt(), rle.get("size").get(1).asInt(), rle.get("counts").asString());
    }

    /**
     * The band rule: every pixel where {@code actual} (mask {@code k} of K) differs from {@code expected}
     * must be in the band with |golden logit| &lt; 2e-3. Returns the number of differing pixels.
     */
    public static int assertWithinBand(String name, BinaryMask actual, BinaryMask expected, int k, long[] bandIndex, float[] bandLogits) {
        assertThat(actual.height()).as(name + " height").isEqualTo(expected.height());
        assertThat(actual.width()).as(name + " width").isEqualTo(expected.width());
        long plane = (long) expected.height() * expected.width();
        Map<Long, Float> band = new HashMap<>();
        for (int i = 0; i < bandIndex.length; i++) {
            band.put(bandIndex[i], bandLogits[i]);
        }
        int differing = 0;
        byte[] a = actual.pixels();
        byte[] e = expected.pixels();
        for (int i = 0; i < a.length; i++) {
            if (a[i] != e[i]) {
                differing++;
                Float logit = band.get(k * plane + i);
                if (logit == null || Math.abs(logit) >= 2e-3) {
                    fail("%s: pixel (y %d, x %d) is %d, golden %d, and the golden logit is %s (allowed only where |logit| < 2e-3)",
                            name, i / expected.width(), i % expected.width(), a[i], e[i], logit == null ? "outside the band (|logit| >= 0.01)" : logit);
                }
            }
        }
        return differing;
    }

    /** max |a − b|. */
    public static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}

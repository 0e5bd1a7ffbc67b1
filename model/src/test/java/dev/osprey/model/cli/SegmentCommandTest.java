package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.sam.SamConfig;
import dev.osprey.model.sam.SamEncoderGraphBuilder;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.tensor.Tensor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code osprey segment} on every golden SAM case (from the tiny .pth, its sam_config.json beside it),
 * one case through a bundle converted with {@code --sam}, {@code osprey tiny --sam}, and bad input.
 */
class SegmentCommandTest {

    @TempDir
    static Path tmp;

    static Path bundle;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void convertWithSam() {
        bundle = tmp.resolve("bundle");
        StringWriter log = new StringWriter();
        int code = OspreyCli.execute(new String[] {"convert", "--checkpoint", Golden.binCheckpoint().toString(), "--out", bundle.toString(),
            "--sam", GoldenSam.pthCheckpoint().toString()}, new PrintWriter(log), new PrintWriter(log));
        assertThat(code).as(log.toString()).isZero();
    }

    private int run(List<String> args) {
        return OspreyCli.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#cases")
    void segmentWritesTheGoldenFiles(SamGolden.Case c) {
        Path dir = tmp.resolve(c.image() + "-" + c.id());
        List<String> args = new ArrayList<>(List.of("segment", "--sam", GoldenSam.pthCheckpoint().toString()));
        args.addAll(promptArgs(c, dir));
        args.addAll(List.of("--threads", "2", "--out", dir.toString()));
        assertThat(run(args)).as(err.toString()).isZero();
        assertMatchesGolden(c, dir);
    }

    @Test
    void bundleWithSamSegmentsLikeTheCheckpointAndServesTheEncoderToTriton() {
        SamGolden.Case c = SamGolden.cases().filter(x -> x.json().get("api").get("multimask_output").asBoolean()).findFirst().orElseThrow();
        Path dir = tmp.resolve("bundle-" + c.id());
        List<String> args = new ArrayList<>(List.of("segment", "--model", bundle.toString()));
        args.addAll(promptArgs(c, dir));
        args.addAll(List.of("--out", dir.toString()));
        assertThat(run(args)).as(err.toString()).isZero();
        assertMatchesGolden(c, dir);
        assertThat(ModelBundle.open(bundle).sam()).isPresent();
        Path triton = ModelBundle.open(bundle).tritonRepository().resolve(SamEncoderGraphBuilder.TRITON_MODEL_NAME);
        assertThat(triton.resolve("1/model.onnx")).exists();
        assertThat(triton.resolve("1/" + SamEncoderGraphBuilder.DATA_FILE)).exists();
        SamConfig config = SamGolden.tinyConfig();
        assertThat(triton.resolve("config.pbtxt")).content().contains("name: \"sam_image_encoder\"", "name: \"input_image\"",
                "dims: [ 3, " + config.imageSize() + ", " + config.imageSize() + " ]", "name: \"image_embeddings\"",
                "dims: [ " + config.channels() + ", " + config.gridSide() + ", " + config.gridSide() + " ]");
    }

    @Test
    void tinySamCheckpointSegments() {
        Path checkpoint = tmp.resolve("tiny-sam/sam_random.pth");
        assertThat(run(List.of("tiny", "--sam", checkpoint.toString(), "--seed", "3"))).as(err.toString()).isZero();
        assertThat(checkpoint.resolveSibling("sam_config.json")).exists();
        Path dir = tmp.resolve("tiny-sam-out");
        String image = SamGolden.imageFile(SamGolden.images().findFirst().orElseThrow()).toString();
        assertThat(run(List.of("segment", "--sam", checkpoint.toString(), "--image", image, "--box", "1,2,30,20", "--multimask",
                "--out", dir.toString()))).as(err.toString()).isZero();
        for (String file : new String[] {"resized.png", "image.safetensors", "tensors.safetensors", "mask_0.png", "mask_1.png", "mask_2.png"}) {
            assertThat(dir.resolve(file)).exists();
        }
    }

    @Test
    void badInputIsOneLineThatSaysWhatToFix() {
        String id = SamGolden.images().findFirst().orElseThrow();
        String image = SamGolden.imageFile(id).toString();
        RgbImage decoded = SamGolden.image(id);
        String sam = GoldenSam.pthCheckpoint().toString();
        String outDir = tmp.resolve("bad").toString();
        assertThat(run(List.of("segment", "--sam", sam, "--image", image, "--out", outDir))).isEqualTo(1);
        assertThat(err.toString()).contains("needs at least one point or a box");
        assertThat(run(List.of("segment", "--sam", sam, "--image", image, "--point", decoded.width() + ",1,1", "--out", outDir))).isEqualTo(1);
        assertThat(err.toString()).contains("outside the " + decoded.width() + "x" + decoded.height() + " image");
        assertThat(run(List.of("segment", "--sam", sam, "--image", image, "--point", "1,2", "--out", outDir))).isEqualTo(2);
        assertThat(err.toString()).contains("expected X,Y,LABEL");
        assertThat(run(List.of("segment", "--sam", sam, "--model", bundle.toString(), "--image", image, "--point", "1,2,1", "--out", outDir)))
                .isEqualTo(2);
        assertThat(err.toString()).contains("either --sam CKPT or --model BUNDLE");
    }

    @Test
    void bundleWithoutSamSaysHowToAddIt() {
        Path plain = tmp.resolve("plain");
        assertThat(run(List.of("convert", "--checkpoint", Golden.binCheckpoint().toString(), "--out", plain.toString()))).isZero();
        String image = SamGolden.imageFile(SamGolden.images().findFirst().orElseThrow()).toString();
        assertThat(run(List.of("segment", "--model", plain.toString(), "--image", image,
                "--point", "1,2,1", "--out", tmp.resolve("none").toString()))).isEqualTo(1);
        assertThat(err.toString()).contains("holds no SAM model", "--sam CKPT");
    }

    /** The case's API call as CLI flags; a stored mask input goes to a safetensors file under {@code dir}. */
    private static List<String> promptArgs(SamGolden.Case c, Path dir) {
        JsonNode api = c.json().get("api");
        List<String> args = new ArrayList<>(List.of("--image", SamGolden.imageFile(c.image()).toString()));
        JsonNode coords = api.get("point_coords");
        for (int i = 0; coords != null && !coords.isNull() && i < coords.size(); i++) {
            args.addAll(List.of("--point", coords.get(i).get(0).asDouble() + "," + coords.get(i).get(1).asDouble() + ","
                    + api.get("point_labels").get(i).asInt()));
        }
        JsonNode box = api.get("box");
        if (box != null && !box.isNull()) {
            args.addAll(List.of("--box", box.get(0).asDouble() + "," + box.get(1).asDouble() + "," + box.get(2).asDouble() + ","
                    + box.get(3).asDouble()));
        }
        try (SafetensorsFile golden = c.tensors()) {
            if (golden.contains("mask_input")) {
                Path mask = dir.resolveSibling(dir.getFileName() + "-mask_input.safetensors");
                SafetensorsWriter.writeTensors(mask, List.of(Tensor.ofFloats("mask_input", golden.get("mask_input").shape(),
                        golden.get("mask_input").toFloats())), Map.of());
                args.addAll(List.of("--mask-input", mask.toString()));
            }
        }
        if (api.get("multimask_output").asBoolean()) {
            args.add("--multimask");
        }
        return args;
    }

    private static void assertMatchesGolden(SamGolden.Case c, Path dir) {
        RgbImage resized = SamGolden.decode(dir.resolve("resized.png"));
        assertThat(resized.rgb()).as(c + " resized.png").isEqualTo(SamGolden.decode(GoldenSam.file("reference/" + c.image() + "/resized.png")).rgb());
        try (SafetensorsFile image = SafetensorsFile.open(dir.resolve("image.safetensors"));
                SafetensorsFile golden = SafetensorsFile.open(GoldenSam.file("reference/" + c.image() + "/image.safetensors"))) {
            assertThat(image.get("image_embeddings").shape()).isEqualTo(golden.get("image_embeddings").shape());
            assertThat(Golden.relativeMaxError(image.floats("image_embeddings"), golden.floats("image_embeddings"))).isLessThanOrEqualTo(1e-4);
        }
        try (SafetensorsFile actual = SafetensorsFile.open(dir.resolve("tensors.safetensors")); SafetensorsFile golden = c.tensors()) {
            for (String name : golden.names()) {
                if (name.startsWith("band_") || name.equals("masks_logits")) {
                    continue;
                }
                assertThat(actual.names()).as(c + " tensors").contains(name);
                assertThat(actual.get(name).shape()).as(c + " " + name + " shape").isEqualTo(golden.get(name).shape());
                assertThat(actual.get(name).dtype()).as(c + " " + name + " dtype").isEqualTo(golden.get(name).dtype());
            }
            if (golden.contains("point_labels")) {
                assertThat(SamGolden.ints(actual.get("point_labels"))).isEqualTo(SamGolden.ints(golden.get("point_labels")));
                Golden.assertClose(c + " point_coords", actual.floats("point_coords"), golden.floats("point_coords"), 1e-4, 0);
            }
            if (golden.contains("boxes")) {
                Golden.assertClose(c + " boxes", actual.floats("boxes"), golden.floats("boxes"), 1e-4, 0);
            }
            if (golden.contains("dense_embeddings")) {
                Golden.assertClose(c + " dense_embeddings", actual.floats("dense_embeddings"), golden.floats("dense_embeddings"), 1e-4, 1e-4);
            }
            Golden.assertClose(c + " sparse_embeddings", actual.floats("sparse_embeddings"), golden.floats("sparse_embeddings"), 1e-5, 1e-5);
            Golden.assertClose(c + " low_res_logits", actual.floats("low_res_logits"), golden.floats("low_res_logits"), 2e-3, 1e-4);
            Golden.assertClose(c + " iou_predictions", actual.floats("iou_predictions"), golden.floats("iou_predictions"), 1e-4, 0);
            long[] band = SamGolden.longs(golden.get("band_index"));
            float[] bandLogits = golden.floats("band_logits");
            int masks = c.json().get("masks").size();
            for (int k = 0; k < masks; k++) {
                String png = "mask_" + k + ".png";
                SamGolden.assertWithinBand(c + " " + png, SamGolden.png(dir.resolve(png)), SamGolden.png(c.dir().resolve(png)), k, band, bandLogits);
            }
            assertThat(dir.resolve("mask_" + masks + ".png")).doesNotExist();
            assertThat(Files.exists(dir.resolve("mask_0.png"))).isTrue();
        }
    }
}

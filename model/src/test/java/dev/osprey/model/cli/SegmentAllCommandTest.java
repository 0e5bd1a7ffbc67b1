package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.sam.auto.AutomaticGoldenCase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code osprey segment-all}: the golden automatic cases from the checkpoint, the same masks from a bundle, and clear errors. */
class SegmentAllCommandTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** A small run for the bundle and output-mode checks: 16 points on the full image only. */
    private static final String SMALL = "{\"points_per_side\": 4, \"pred_iou_thresh\": 0.1, \"stability_score_thresh\": 0.01, \"output_mode\": \"coco_rle\"}";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        return OspreyCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void everyGoldenAutomaticCaseFromTheCheckpoint() throws IOException {
        for (AutomaticGoldenCase c : AutomaticGoldenCase.all()) {
            Path params = Files.writeString(dir.resolve(c.id() + ".params.json"), c.paramsJson());
            Path annotations = dir.resolve(c.id() + ".json");
            assertThat(run("segment-all", "--sam", GoldenSam.pthCheckpoint().toString(), "--sam-config", GoldenSam.config().toString(),
                    "--image", c.image().toString(), "--params", params.toString(), "--out", annotations.toString())).as(err.toString()).isZero();
            assertThat(out.toString()).contains(c.annotations().size() + " masks of " + c.image());
            JsonNode written = JSON.readTree(annotations.toFile());
            assertThat(written.propertyNames()).containsExactly("annotations");
            System.out.println("segment-all " + c.assertAnnotationsMatch(written.get("annotations")));
        }
    }

    @Test
    void aBundleWithSamGivesTheCheckpointsMasks() throws IOException {
        Path bundle = bundleWithSam();
        Path params = Files.writeString(dir.resolve("params.json"), SMALL);
        String image = AutomaticGoldenCase.all().getFirst().image().toString();
        assertThat(run("segment-all", "--model", bundle.toString(), "--image", image, "--params", params.toString(), "--out",
                dir.resolve("bundle.json").toString())).as(err.toString()).isZero();
        assertThat(run("segment-all", "--sam", GoldenSam.pthCheckpoint().toString(), "--image", image, "--params", params.toString(), "--out",
                dir.resolve("checkpoint.json").toString())).as(err.toString()).isZero();
        String fromBundle = Files.readString(dir.resolve("bundle.json"));
        assertThat(JSON.readTree(fromBundle).get("annotations").size()).isPositive();
        assertThat(fromBundle).isEqualTo(Files.readString(dir.resolve("checkpoint.json")));
    }

    @Test
    void aBundleWithoutSamIsNamed() throws IOException {
        Path params = Files.writeString(dir.resolve("params.json"), SMALL);
        assertThat(run("segment-all", "--model", TinyBundle.dir().toString(), "--image", AutomaticGoldenCase.all().getFirst().image().toString(),
                "--params", params.toString(), "--out", dir.resolve("out.json").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("holds no SAM model; convert it with 'osprey convert ... --sam CKPT'");
        assertThat(dir.resolve("out.json")).doesNotExist();
    }

    @Test
    void badParametersAreRefusedBeforeTheModelLoads() throws IOException {
        Path params = Files.writeString(dir.resolve("params.json"), "{\"points_per_side\": 8, \"box_nms\": 0.5}");
        assertThat(run("segment-all", "--sam", dir.resolve("missing.pth").toString(), "--image", "missing.png", "--params", params.toString(),
                "--out", dir.resolve("out.json").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("unknown automatic mask parameter \"box_nms\"").doesNotContain("missing.pth");
    }

    @Test
    void usageErrorsAreOneLine() {
        String image = AutomaticGoldenCase.all().getFirst().image().toString();
        assertThat(run("segment-all", "--sam", "a.pth", "--model", "b", "--image", image, "--out", "o.json")).isEqualTo(2);
        assertThat(err.toString()).contains("give either --sam CKPT or --model BUNDLE");
        assertThat(run("segment-all", "--image", image, "--out", "o.json")).isEqualTo(2);
        assertThat(run("segment-all", "--model", TinyBundle.dir().toString(), "--sam-config", "c.json", "--image", image, "--out", "o.json"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--sam-config goes with --sam");
        assertThat(err.toString().strip().lines()).hasSize(3);
    }

    /** The tiny Osprey checkpoint converted with the tiny SAM checkpoint ({@code osprey convert --sam}). */
    private Path bundleWithSam() {
        Path bundle = dir.resolve("bundle");
        assertThat(run("convert", "--checkpoint", Golden.binCheckpoint().toString(), "--out", bundle.toString(), "--sam",
                GoldenSam.pthCheckpoint().toString())).as(err.toString()).isZero();
        return bundle;
    }
}

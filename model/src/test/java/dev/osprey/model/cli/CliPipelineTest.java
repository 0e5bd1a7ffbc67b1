package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's pipeline commands on a bundle converted from the golden checkpoint, against golden outputs. */
class CliPipelineTest {

    @TempDir
    static Path tmp;

    static Path bundle;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void convertGolden() {
        bundle = tmp.resolve("bundle");
        int code = OspreyCli.execute(new String[] {"convert", "--checkpoint", Golden.binCheckpoint().toString(), "--out", bundle.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        assertThat(code).isZero();
    }

    private int run(String... args) {
        return OspreyCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void encodeWritesGoldenPixelValuesAndFeatures() {
        for (String caseName : Golden.CASES) {
            Path features = tmp.resolve(caseName + ".safetensors");
            assertThat(run("encode", "--model", bundle.toString(), "--image", Golden.file("inputs/images/" + caseName + ".png").toString(),
                    "--out", features.toString())).as(err.toString()).isZero();
            try (SafetensorsFile actual = SafetensorsFile.open(features); SafetensorsFile golden = Golden.tensors(caseName)) {
                assertThat(actual.get("pixel_values").shape()).containsExactly(3, 512, 512);
                Golden.assertClose(caseName + " pixel_values", actual.floats("pixel_values"), golden.floats("pixel_values"), 1e-5, 0);
                for (String name : new String[] {"res2", "res3", "res4", "res5", "image_embeds"}) {
                    assertThat(actual.get(name).shape()).as(name).isEqualTo(golden.get(name).shape());
                    Golden.assertClose(caseName + " " + name, actual.floats(name), golden.floats(name), 1e-4, 1e-4);
                }
            }
        }
    }

    @Test
    void extractOnEncodedFeaturesGivesGoldenRegionTokensForEveryMaskFormat() {
        for (String caseName : Golden.CASES) {
            Path features = tmp.resolve(caseName + "-x.safetensors");
            assertThat(run("encode", "--model", bundle.toString(), "--image", Golden.file("inputs/images/" + caseName + ".png").toString(),
                    "--out", features.toString())).isZero();
            for (String format : new String[] {".png", ".rle.json"}) {
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("extract", "--model", bundle.toString(),
                        "--features", features.toString()));
                int q = 0;
                while (java.nio.file.Files.exists(Golden.dir().resolve("inputs/masks/" + caseName + "_m" + q + format))) {
                    args.addAll(java.util.List.of("--mask", Golden.file("inputs/masks/" + caseName + "_m" + q + format).toString()));
                    q++;
                }
                Path regions = tmp.resolve(caseName + format + ".regions.safetensors");
                args.addAll(java.util.List.of("--out", regions.toString()));
                assertThat(run(args.toArray(String[]::new))).as(err.toString()).isZero();
                try (SafetensorsFile actual = SafetensorsFile.open(regions); SafetensorsFile golden = Golden.tensors(caseName)) {
                    assertThat(actual.get("mask_tokens").shape()).containsExactly(q, 64);
                    Golden.assertClose(caseName + format + " mask_tokens", actual.floats("mask_tokens"), golden.floats("mask_tokens"), 1e-4, 1e-4);
                    Golden.assertClose(caseName + format + " pos_tokens", actual.floats("pos_tokens"), golden.floats("pos_tokens"), 1e-4, 1e-4);
                }
            }
        }
    }

    @Test
    void extractWithMasksOfAnotherSizeNamesTheRegion() {
        Path features = tmp.resolve("s1_img0-y.safetensors");
        assertThat(run("encode", "--model", bundle.toString(), "--image", Golden.file("inputs/images/s1_img0.png").toString(),
                "--out", features.toString())).isZero();
        int code = run("extract", "--model", bundle.toString(), "--features", features.toString(),
                "--mask", Golden.file("inputs/masks/s1_img0_m0.png").toString(), "--mask", Golden.file("inputs/masks/s1_img1_m0.png").toString(),
                "--out", tmp.resolve("bad.safetensors").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("region 2");
    }

    @Test
    void generateJsonGivesGoldenIdsPerRegionAndTextLinesPerRegion() throws Exception {
        String[] base = {"generate", "--model", bundle.toString(), "--image", Golden.file("inputs/images/s1_img0.png").toString(),
                "--mask", Golden.file("inputs/masks/s1_img0_m0.png").toString(), "--mask", Golden.file("inputs/masks/s1_img0_m1.rle.json").toString(),
                "--task", "category", "--greedy", "--max-new-tokens", "16", "--threads", "1"};
        assertThat(run(concat(base, "--json"))).as(err.toString()).isZero();
        tools.jackson.databind.JsonNode json = tools.jackson.databind.json.JsonMapper.builder().build().readTree(out.toString());
        tools.jackson.databind.JsonNode golden = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(java.nio.file.Files.readString(Golden.file("reference/s1_img0/result.json"))).get("tasks").get("category");
        assertThat(json.get("answers")).hasSize(2);
        for (int q = 0; q < 2; q++) {
            tools.jackson.databind.JsonNode answer = json.get("answers").get(q);
            assertThat(answer.get("region").asInt()).isEqualTo(q + 1);
            assertThat(answer.get("input_ids")).isEqualTo(golden.get("input_ids"));
            assertThat(answer.get("output_ids")).isEqualTo(golden.get("runs").get(q).get("greedy").get("new_ids"));
            assertThat(answer.get("finish_reason").asString()).isEqualTo("length");
        }
        out.getBuffer().setLength(0);
        assertThat(run(base)).isZero();
        assertThat(out.toString().lines().toList()).hasSize(2).satisfiesExactly(
                l -> assertThat(l).startsWith("region1: "), l -> assertThat(l).startsWith("region2: "));
    }

    @Test
    void generateErrorsAreOneLine() {
        assertThat(run("generate", "--model", bundle.toString(), "--image", Golden.file("inputs/images/s1_img0.png").toString(),
                "--task", "short", "--greedy", "--threads", "1")).isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("osprey generate: ").contains("at least one mask").doesNotContain("\n");
        err.getBuffer().setLength(0);
        assertThat(run("generate", "--model", bundle.toString(), "--image", Golden.file("inputs/images/s1_img0.png").toString(),
                "--mask", Golden.file("inputs/masks/s1_img0_m0.png").toString(), "--task", "short", "--top-p", "1.5", "--threads", "1"))
                .isEqualTo(1);
        assertThat(err.toString().strip()).contains("top_p").doesNotContain("\n");
    }

    private static String[] concat(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void encodeOfANonImageIsAOneLineError() {
        assertThat(run("encode", "--model", bundle.toString(), "--image", Golden.file("README.md").toString(),
                "--out", tmp.resolve("x.safetensors").toString())).isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("osprey encode: ").contains("not a PNG or JPEG").doesNotContain("\n");
    }

    @Test
    void encodeWithoutABundleSaysHowToMakeOne() {
        assertThat(run("encode", "--model", tmp.resolve("nowhere").toString(), "--image", Golden.file("inputs/images/s1_img0.png").toString(),
                "--out", tmp.resolve("y.safetensors").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("osprey convert");
    }
}

package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.TinyBundle;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code osprey generate --points}: a region SAM makes of points is the mask {@code osprey segment}
 * writes for them, chosen as the ONNX export chooses (one point: the best-scored of the three
 * candidates; more points: the single-output mask), so the answers equal those about that mask file.
 */
class GeneratePointsTest {

    private static final String IMAGE = GoldenSam.file("inputs/images/s1_img0.png").toString();

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void oneClickIsTheBestOfTheThreeCandidatesAndTheRegionAfterTheMasks() {
        Path segmented = segment("one", List.of("--point", "174.19,293.5,1", "--multimask"));
        // Golden case s1_img0/point1_mm: IoUs 0.045, -0.119, 0.784.
        assertThat(out.toString()).contains("best 2");
        Path box = Golden.file("inputs/masks/s1_img0_m1.png");
        assertThat(generate(List.of("--mask", box.toString(), "--points", "174.19,293.5,1")))
                .isEqualTo(generate(List.of("--mask", box.toString(), "--mask", segmented.resolve("mask_2.png").toString())));
    }

    @Test
    void severalPointsAreTheSingleOutputMask() {
        Path segmented = segment("three", List.of("--point", "174.19,293.5,1", "--point", "365.83,57.4,1", "--point", "576,48,0"));
        assertThat(generate(List.of("--points", "174.19,293.5,1;365.83,57.4,1;576,48,0")))
                .isEqualTo(generate(List.of("--mask", segmented.resolve("mask_0.png").toString())));
    }

    @Test
    void badPointsAndABundleWithoutSamAreOneLineErrors() {
        assertThat(run(generateArgs(TinyBundle.withSamDir(), List.of("--points", "1,2")))).isEqualTo(2);
        assertThat(err.toString()).contains("expected X,Y,LABEL");
        assertThat(run(generateArgs(TinyBundle.withSamDir(), List.of("--points", "7000,2,1")))).isEqualTo(1);
        assertThat(err.toString()).contains("outside");
        assertThat(run(generateArgs(TinyBundle.dir(), List.of("--points", "10,20,1")))).isEqualTo(1);
        assertThat(err.toString()).contains("--points needs Segment Anything in the bundle", "--sam CKPT");
    }

    private Path segment(String name, List<String> prompt) {
        Path dir = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("segment", "--model", TinyBundle.withSamDir().toString(), "--image", IMAGE, "--threads", "1",
                "--out", dir.toString()));
        args.addAll(prompt);
        assertThat(run(args)).as(err.toString()).isZero();
        return dir;
    }

    private String generate(List<String> regions) {
        out.getBuffer().setLength(0);
        assertThat(run(generateArgs(TinyBundle.withSamDir(), regions))).as(err.toString()).isZero();
        return out.toString();
    }

    private static List<String> generateArgs(Path bundle, List<String> regions) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", bundle.toString(), "--image", IMAGE, "--task", "short", "--greedy",
                "--json", "--max-new-tokens", "6", "--threads", "1"));
        args.addAll(regions);
        return args;
    }

    private int run(List<String> args) {
        return OspreyCli.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }
}

package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code osprey bench vision} times the tiny bundle's vision graph and compares its features with a reference bundle's. */
class BenchVisionCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void againstItselfOnAGoldenImageEveryLevelAgreesExactly() {
        String bundle = TinyBundle.dir().toString();
        int code = OspreyCli.execute(new String[] {"bench", "vision", "--model", bundle, "--reference", bundle, "--image",
            Golden.file("inputs/images/s1_img0.png").toString(), "--threads", "1", "--runs", "1"},
                new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("vision \\(fp32\\): \\d+ ms/image \\(best of 1\\)");
        for (String level : new String[] {"res2", "res3", "res4", "res5", "image_embeds"}) {
            assertThat(out.toString()).contains("against " + bundle + ": " + level + " cosine 1.000000, relative error 0.00 %");
        }
    }
}

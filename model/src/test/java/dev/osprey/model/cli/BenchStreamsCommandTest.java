package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code osprey bench streams} runs end to end on the tiny bundle and prints one table row per stream count. */
class BenchStreamsCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void printsARowPerStreamCountThroughTheSharedBatchAndWithout() {
        for (String maxBatch : new String[] {"2", "1"}) {
            out.getBuffer().setLength(0);
            int code = OspreyCli.execute(new String[] {"bench", "streams", "--model", TinyBundle.dir().toString(), "--threads", "1",
                "--streams", "1,2", "--new-tokens", "8", "--max-batch", maxBatch}, new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("max batch " + maxBatch + ", 2 prefill(s) at once, 8 new tokens per stream")
                    .containsPattern("(?m)^\\| 1 \\| .* \\|$").containsPattern("(?m)^\\| 2 \\| .* \\|$");
        }
    }
}

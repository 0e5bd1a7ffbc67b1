package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code osprey bench batch} times batched decode steps on the tiny bundle and refuses a context it cannot fill. */
class BenchBatchCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void printsARowPerBatchSizeRelativeToTheFirst() {
        int code = OspreyCli.execute(new String[] {"bench", "batch", "--model", TinyBundle.dir().toString(), "--threads", "1",
            "--batches", "1,3", "--context", "5", "--steps", "3"}, new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("(?m)^\\| 1 \\| [0-9.]+ \\| 1\\.00 \\| [0-9.]+ \\| 1\\.00 \\|$")
                .containsPattern("(?m)^\\| 3 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\|$");
    }

    @Test
    void refusesAContextBelowTwo() {
        int code = OspreyCli.execute(new String[] {"bench", "batch", "--model", TinyBundle.dir().toString(), "--context", "1"},
                new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--context >= 2");
    }
}

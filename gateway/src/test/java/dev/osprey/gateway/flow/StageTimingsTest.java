package dev.osprey.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.Usage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An answer's stage timings: read from its usage, summed up over a request's answers, written as a Server-Timing header. */
class StageTimingsTest {

    @Test
    void areReadFromAnAnswersUsage() {
        Usage usage = Usage.newBuilder().setTimings(dev.osprey.api.v1.StageTimings.newBuilder().setQueueMs(1).setEncodeMs(2)
                .setExtractMs(3).setPrefillMs(4).setDecodeMs(5)).build();

        assertThat(StageTimings.of(usage)).isEqualTo(new StageTimings(1, 2, 3, 4, 5));
        assertThat(StageTimings.of(Usage.getDefaultInstance())).as("an answer without timings").isEqualTo(new StageTimings(0, 0, 0, 0, 0));
    }

    @Test
    void aRequestWaitedForEachStagesSlowestAnswer() {
        StageTimings slowest = StageTimings.slowest(List.of(new StageTimings(1, 9, 3, 4, 20), new StageTimings(2, 9, 3, 4, 35)));

        assertThat(slowest).isEqualTo(new StageTimings(2, 9, 3, 4, 35));
    }

    @Test
    void makeAServerTimingHeaderInMillisecondsWithOneDecimal() {
        assertThat(new StageTimings(0.04, 12.345, 3, 1200.5, 9876.0).serverTiming())
                .isEqualTo("queue;dur=0.0, encode;dur=12.3, extract;dur=3.0, prefill;dur=1200.5, decode;dur=9876.0");
    }
}

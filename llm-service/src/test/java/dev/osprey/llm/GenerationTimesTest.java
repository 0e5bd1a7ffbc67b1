package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.StageTimings;
import dev.osprey.model.generate.Usage;
import dev.osprey.service.StageSpans;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** How llm-service splits a Generate call's time into queue, image-token fetch (encode), prefill and decode. */
class GenerationTimesTest {

    private static final Duration WAIT = Duration.ofMillis(30);

    @Test
    void theFetchOfTheImageTokensIsEncodingNotPrefill() {
        GenerationTimes times = new GenerationTimes(StageSpans.OFF);
        pause();
        times.prefillStarted();
        times.fetching(() -> {
            pause();
            return new float[0];
        }).get();
        times.token(System.nanoTime());
        long end = System.nanoTime();

        StageTimings timings = times.timings(new Usage(100, 0, 5, Duration.ofMillis(70), Duration.ofMillis(250)), end);

        assertThat(timings.getQueueMs()).as("before the prefill's turn").isGreaterThanOrEqualTo(WAIT.toMillis());
        assertThat(timings.getEncodeMs()).as("the fetch").isGreaterThanOrEqualTo(WAIT.toMillis());
        assertThat(timings.getPrefillMs()).as("the turn to the first token, less the fetch").isLessThan(WAIT.toMillis());
        assertThat(timings.getDecodeMs()).as("the answer's first token to its last").isEqualTo(180.0);
        assertThat(timings.getExtractMs()).as("the gateway's to add").isZero();
    }

    @Test
    void aCallCancelledBeforeItsTurnSpentItAllQueueing() {
        GenerationTimes times = new GenerationTimes(StageSpans.OFF);
        pause();
        long end = System.nanoTime();

        StageTimings timings = times.timings(new Usage(100, 0, 0, Duration.ZERO, Duration.ofMillis(30)), end);

        assertThat(timings.getQueueMs()).isGreaterThanOrEqualTo(WAIT.toMillis());
        assertThat(timings.getPrefillMs()).isZero();
        assertThat(timings.getDecodeMs()).isZero();
    }

    private static void pause() {
        long until = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }
}

package dev.osprey.encoder.triton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Retries wait exponentially longer, up to a cap. */
class KserveRetryTest {

    @Test
    void eachWaitDoublesUpToTheMaximum() {
        KserveClient.Retry retry = new KserveClient.Retry(6, Duration.ofMillis(100), Duration.ofMillis(500));
        assertThat(retry.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(retry.backoff(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(retry.backoff(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(retry.backoff(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(retry.backoff(60)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void atLeastOneAttemptIsRequired() {
        assertThatThrownBy(() -> new KserveClient.Retry(0, Duration.ZERO, Duration.ZERO)).hasMessageContaining(">= 1 attempt");
    }
}

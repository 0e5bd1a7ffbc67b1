package dev.osprey.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AccessTest {

    @Test
    void bucketsAllowABurstThenTheRate() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(2, 3, now::get);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b")).as("clients have their own buckets").isTrue();
        now.addAndGet(500_000_000L);
        assertThat(limiter.tryAcquire("a")).as("half a second at 2/s refills one").isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
    }

    @Test
    void keysAreRequiredWhenConfiguredAndRatesCountPerKey() {
        Access access = new Access(new ApiKeys(List.of("k1", " k2 ")), new RateLimiter(1, 1));
        assertStatus(() -> access.admit(null, null, "1.2.3.4"), Status.Code.UNAUTHENTICATED, "an API key is required");
        assertStatus(() -> access.admit("Bearer nope", null, "1.2.3.4"), Status.Code.UNAUTHENTICATED, "the API key is not valid");
        access.admit("Bearer k1", null, "1.2.3.4");
        access.admit(null, "k2", "1.2.3.4");
        assertStatus(() -> access.admit("bearer k1", null, "5.6.7.8"), Status.Code.RESOURCE_EXHAUSTED, "over the rate limit");
    }

    @Test
    void withoutKeysTheApiIsOpenAndRatesCountPerAddress() {
        Access access = new Access(new ApiKeys(List.of()), new RateLimiter(1, 1));
        access.admit(null, null, "1.2.3.4");
        access.admit(null, null, "5.6.7.8");
        assertStatus(() -> access.admit(null, null, "1.2.3.4"), Status.Code.RESOURCE_EXHAUSTED, "over the rate limit");
    }

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}

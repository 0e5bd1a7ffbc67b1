package dev.osprey.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.service.ServiceException;
import io.grpc.Status;
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
    void namedKeysBelongToTheirTenantAndPlainKeysToOneNamedAfterTheirHash() {
        ApiKeys keys = new ApiKeys(List.of("alice=a1", "alice=a2", "bob=b=1", "c2VjcmV0==", "plain"));
        assertThat(keys.authenticate(null, "a1")).isEqualTo(new Tenant("alice")).isEqualTo(keys.authenticate("Bearer a2", null));
        assertThat(keys.authenticate(null, "b=1")).isEqualTo(new Tenant("bob"));
        assertThat(keys.authenticate(null, "alice=a1")).as("the name is not part of the key").isNull();
        Tenant padded = keys.authenticate(null, "c2VjcmV0==");
        Tenant plain = keys.authenticate(null, "plain");
        assertThat(padded.name()).as("base64 padding is part of a plain key").matches("key:[0-9a-f]{32}");
        assertThat(plain.name()).matches("key:[0-9a-f]{32}").doesNotContain("plain").isNotEqualTo(padded.name());
        assertThat(new ApiKeys(List.of("plain")).authenticate(null, "plain")).as("the same on every replica").isEqualTo(plain);
    }

    @Test
    void oneKeyForTwoTenantsIsRefusedAtStartup() {
        assertThatThrownBy(() -> new ApiKeys(List.of("alice=k", "bob=k"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one key is given for two tenants ('alice' and 'bob')");
    }

    @Test
    void aTenantsKeysShareItsRate() {
        Access access = new Access(new ApiKeys(List.of("alice=a1", "alice=a2", "bob=b1")), new RateLimiter(1, 1));
        assertThat(access.admit(null, "a1", "1.2.3.4")).isEqualTo(new Tenant("alice"));
        assertStatus(() -> access.admit(null, "a2", "5.6.7.8"), Status.Code.RESOURCE_EXHAUSTED, "over the rate limit");
        assertThat(access.admit(null, "b1", "1.2.3.4")).isEqualTo(new Tenant("bob"));
    }

    @Test
    void withoutKeysTheApiIsOpenAndRatesCountPerAddress() {
        Access access = new Access(new ApiKeys(List.of()), new RateLimiter(1, 1));
        assertThat(access.admit(null, null, "1.2.3.4")).isEqualTo(Tenant.SHARED);
        access.admit(null, null, "5.6.7.8");
        assertStatus(() -> access.admit(null, null, "1.2.3.4"), Status.Code.RESOURCE_EXHAUSTED, "over the rate limit");
    }

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.reason().code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }
}

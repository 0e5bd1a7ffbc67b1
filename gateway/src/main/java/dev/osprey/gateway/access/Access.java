package dev.osprey.gateway.access;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Who may call and how often, for both the REST and the gRPC API: a valid API key when keys are
 * configured (else UNAUTHENTICATED), and a request rate per tenant (per peer address without keys;
 * else RESOURCE_EXHAUSTED).
 */
public final class Access {

    private final ApiKeys keys;
    private final RateLimiter rates;

    public Access(ApiKeys keys, RateLimiter rates) {
        this.keys = keys;
        this.rates = rates;
    }

    /**
     * Admits one request or throws the status to answer with.
     *
     * @param peer the caller's address, the rate key when no API keys are configured
     * @return the caller's tenant; {@link Tenant#SHARED} without keys
     */
    public Tenant admit(String authorization, String apiKey, String peer) {
        Tenant tenant = Tenant.SHARED;
        String client = "peer:" + peer;
        if (keys.required()) {
            tenant = keys.authenticate(authorization, apiKey);
            if (tenant == null) {
                throw unauthenticated(authorization != null || apiKey != null);
            }
            client = "tenant:" + tenant.name();
        }
        if (!rates.tryAcquire(client)) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("too many requests: over the rate limit; retry after a second")
                    .asRuntimeException();
        }
        return tenant;
    }

    private static StatusRuntimeException unauthenticated(boolean presented) {
        return Status.UNAUTHENTICATED.withDescription(presented ? "the API key is not valid"
                : "an API key is required: send Authorization: Bearer KEY or X-API-Key: KEY").asRuntimeException();
    }
}

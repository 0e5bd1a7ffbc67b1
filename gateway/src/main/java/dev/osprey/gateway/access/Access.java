package dev.osprey.gateway.access;

import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;

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
     * Admits one request or throws why not (UNAUTHENTICATED, RESOURCE_EXHAUSTED).
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
            throw new ServiceException(ErrorReason.RESOURCE_EXHAUSTED, "too many requests: over the rate limit; retry after a second");
        }
        return tenant;
    }

    private static ServiceException unauthenticated(boolean presented) {
        return new ServiceException(ErrorReason.UNAUTHENTICATED, presented ? "the API key is not valid"
                : "an API key is required: send Authorization: Bearer KEY or X-API-Key: KEY");
    }
}

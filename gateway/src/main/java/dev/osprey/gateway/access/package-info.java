/**
 * Who may call what: API keys and tenants ({@link dev.osprey.gateway.access.ApiKeys}), checked on the
 * normalised path that routing uses ({@link dev.osprey.gateway.access.RoutePaths},
 * {@link dev.osprey.gateway.access.AccessWebFilter} for REST, {@link dev.osprey.gateway.access.AccessInterceptor}
 * for gRPC), and per-client rate limits ({@link dev.osprey.gateway.access.RateLimiter}).
 */
package dev.osprey.gateway.access;

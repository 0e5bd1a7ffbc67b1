package dev.osprey.gateway.rest;

import org.springframework.http.server.PathContainer;

/**
 * The JSON body errors take on the routes of another API the gateway speaks (such as the
 * OpenAI-compatible one); {@link ApiErrorHandler} writes {@link ApiError}'s own body on every route
 * no shape covers. The status, the log line and the request id stay the handler's.
 */
public interface ErrorShape {

    /** Whether requests to {@code path} (as routing reads it, within the application) get this shape. */
    boolean covers(PathContainer path);

    /** The body for {@code error}, which {@code failure} caused; {@code traceId} is null where the request has no trace. */
    Object body(ApiError error, Throwable failure, String requestId, String traceId);
}

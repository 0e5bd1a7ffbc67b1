package dev.osprey.gateway.rest;

import io.micrometer.tracing.handler.TracingObservationHandler;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * The trace id of a REST request (32 hex digits, W3C trace context): the id its spans have in every
 * service and that every service's log lines about it carry, also when traces are not exported
 * (docs/observability.md). Read from the request's own observation, not from the calling thread.
 */
public final class TraceIds {

    private TraceIds() {
    }

    /** The trace id of {@code exchange}'s request; null when it has no trace (tracing left out of the application). */
    public static String of(ServerWebExchange exchange) {
        return ServerRequestObservationContext.findCurrent(exchange.getAttributes())
                .map(context -> context.<TracingObservationHandler.TracingContext>get(TracingObservationHandler.TracingContext.class))
                .map(TracingObservationHandler.TracingContext::getSpan)
                .map(span -> span.context().traceId())
                .orElse(null);
    }
}

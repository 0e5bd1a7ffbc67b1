package dev.osprey.gateway.rest;

import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A stream of events as a Server-Sent Events response: its status waits for the first event
 * ({@link FirstSignal}), so an early failure is an HTTP error; a failure after that becomes the
 * stream's last event, {@code error} {@code {error: {code, message, request_id}}}.
 */
final class EventStreams {

    private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

    private EventStreams() {
    }

    /** {@code events} as SSE, each as {@code event} makes it. */
    static <T> Mono<ResponseEntity<?>> sse(Flux<T> events, Function<T, ServerSentEvent<Object>> event, ServerWebExchange exchange) {
        return sse(events, event, exchange, headers -> headers);
    }

    /** As {@link #sse(Flux, Function, ServerWebExchange)}, {@code headers} adding what is known when the first event arrives. */
    static <T> Mono<ResponseEntity<?>> sse(Flux<T> events, Function<T, ServerSentEvent<Object>> event, ServerWebExchange exchange,
            UnaryOperator<ResponseEntity.BodyBuilder> headers) {
        return FirstSignal.await(events).map(started -> headers.apply(ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM))
                .body(started.map(event).onErrorResume(failure -> {
                    // The status line has gone out already: the failure becomes the stream's last event.
                    ApiError error = ApiError.of(failure);
                    log.warn("request {} failed while streaming: {} {}", RequestIds.of(exchange), error.status().value(), error.message());
                    return Flux.just(ServerSentEvent.builder().event("error")
                            .data((Object) error.body(RequestIds.of(exchange), TraceIds.of(exchange))).build());
                })));
    }

    /** Whether the client asked for a stream: {@code "stream": true}, or Accept: text/event-stream. */
    static boolean wanted(Boolean stream, String accept) {
        return Boolean.TRUE.equals(stream) || (accept != null && accept.contains(MediaType.TEXT_EVENT_STREAM_VALUE));
    }
}

package dev.osprey.gateway.rest;

import dev.osprey.model.error.OspreyException;
import dev.osprey.service.ServiceException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes every failure of the REST API (controllers, filters, codecs, unknown routes) as
 * {@link ApiError}'s JSON, or in the {@link ErrorShape} of the route's API, never a stack trace, and
 * logs it with the request id (and the trace id, as every log line in a trace).
 */
@Component
public final class ApiErrorHandler implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);
    /** nginx's "client closed request": recorded in http.server.requests instead of a 5xx. */
    private static final HttpStatusCode CLIENT_CLOSED = HttpStatusCode.valueOf(499);

    private final JsonMapper json;
    private final List<ErrorShape> shapes;

    public ApiErrorHandler(JsonMapper json) {
        this(json, List.of());
    }

    @Autowired
    ApiErrorHandler(JsonMapper json, ObjectProvider<ErrorShape> shapes) {
        this(json, shapes.orderedStream().toList());
    }

    private ApiErrorHandler(JsonMapper json, List<ErrorShape> shapes) {
        this.json = json;
        this.shapes = shapes;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        String requestId = RequestIds.of(exchange);
        String request = exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath();
        // Our own failures are answers, even when their cause is a reset connection: a backend that
        // died mid-call leaves "connection reset" in the cause chain, which is not the client leaving.
        boolean ours = failure instanceof ServiceException || failure instanceof OspreyException;
        if (!ours && DisconnectedClientHelper.isClientDisconnectedException(failure)) {
            // The client went away (an upload aborted half way): nobody reads an answer, and it is no server error.
            log.info("request {} {}: the client closed the connection", requestId, request);
            exchange.getResponse().setStatusCode(CLIENT_CLOSED);
            return Mono.empty();
        }
        ApiError error = ApiError.of(failure);
        if (error.status() == HttpStatus.INTERNAL_SERVER_ERROR) {
            log.error("request {} {}: {} {}", requestId, request, error.status().value(), error.message(), failure);
        } else if (error.status().is5xxServerError()) {
            // The cause says what the client is not told, e.g. which backend address failed.
            log.warn("request {} {}: {} {}{}", requestId, request, error.status().value(), error.message(), ApiError.internalDetail(failure));
        } else {
            log.info("request {} {}: {} {}", requestId, request, error.status().value(), error.message());
        }
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(failure);
        }
        exchange.getResponse().setStatusCode(error.status());
        exchange.getResponse().getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (error.status().value() == 429) {
            exchange.getResponse().getHeaders().set("Retry-After", "1");
        }
        PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
        String traceId = TraceIds.of(exchange);
        Object shaped = shapes.stream().filter(shape -> shape.covers(path)).findFirst()
                .map(shape -> shape.body(error, failure, requestId, traceId)).orElseGet(() -> error.body(requestId, traceId));
        byte[] body = json.writeValueAsBytes(shaped);
        return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(body)));
    }

    @Override
    public int getOrder() {
        // Before Spring Boot's own error handler (-1).
        return -2;
    }
}

package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.model.error.OspreyException;
import dev.osprey.service.GrpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Locale;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;

/**
 * A failure as the REST API reports it: an HTTP status and {@code {"error": {"code", "message",
 * "request_id"}}}. Statuses from the backends map one to one (INVALID_ARGUMENT 400, NOT_FOUND 404,
 * RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, ...); messages are the ones our
 * services wrote for the caller; a bug is "internal error" without details.
 */
record ApiError(HttpStatus status, String code, String message) {

    @Schema(description = "Every error: a stable code, a message saying what is wrong, and the request id (also in X-Request-Id)")
    record Body(Detail error) {
    }

    record Detail(String code, String message, @JsonProperty("request_id") String requestId) {
    }

    Body body(String requestId) {
        return new Body(new Detail(code, message, requestId));
    }

    static ApiError of(Throwable failure) {
        return switch (failure) {
            case StatusRuntimeException e -> fromGrpc(e.getStatus());
            // Our own errors raised in the gateway map as the backends map theirs.
            case OspreyException e -> fromGrpc(GrpcErrors.toStatus(e).getStatus());
            case DataBufferLimitException e -> tooLarge();
            // Spring raises ServerWebInputException or ContentTooLargeException, depending on where the codec stopped.
            case ResponseStatusException e when e.getMostSpecificCause() instanceof DataBufferLimitException -> tooLarge();
            case ServerWebInputException e -> new ApiError(HttpStatus.BAD_REQUEST, "invalid_argument", "request body: " + inputProblem(e));
            case ResponseStatusException e -> new ApiError(resolve(e.getStatusCode()), code(resolve(e.getStatusCode())),
                    e.getReason() != null ? e.getReason() : resolve(e.getStatusCode()).getReasonPhrase());
            default -> new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "internal error");
        };
    }

    private static ApiError fromGrpc(Status status) {
        HttpStatus http = switch (status.getCode()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> HttpStatus.BAD_REQUEST;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
            // A backend that cancels is shutting down: as good as unavailable.
            case UNAVAILABLE, CANCELLED -> HttpStatus.SERVICE_UNAVAILABLE;
            case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
        String message = status.getDescription() != null ? status.getDescription() : status.getCode().name().toLowerCase(Locale.ROOT);
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            message = "the request took longer than its deadline: " + message;
        }
        return new ApiError(http, status.getCode().name().toLowerCase(Locale.ROOT), message);
    }

    private static ApiError tooLarge() {
        return new ApiError(HttpStatus.CONTENT_TOO_LARGE, code(HttpStatus.CONTENT_TOO_LARGE),
                "request body too large: over the JSON body limit, spring.http.codecs.max-in-memory-size");
    }

    /** What the log line adds for a server error: the cause the client was not shown (" (...)"), or nothing. */
    static String internalDetail(Throwable failure) {
        Throwable cause = failure.getCause();
        return cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
    }

    private static String inputProblem(ServerWebInputException e) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof JacksonException json) {
            return JsonProblems.describe(json);
        }
        return e.getReason() != null ? e.getReason() : "cannot be read";
    }

    private static HttpStatus resolve(HttpStatusCode code) {
        HttpStatus status = HttpStatus.resolve(code.value());
        return status != null ? status : HttpStatus.INTERNAL_SERVER_ERROR;
    }

    private static String code(HttpStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }
}

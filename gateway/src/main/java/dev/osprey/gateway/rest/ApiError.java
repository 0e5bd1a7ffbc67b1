package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.model.error.OspreyException;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Locale;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;

/**
 * A failure as the REST API reports it: an HTTP status and {@code {"error": {"code", "message",
 * "request_id", "trace_id"}}}. Our own failures map by their reason, through the table the gRPC statuses come from
 * ({@link ErrorReason}: bad input 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503,
 * DEADLINE_EXCEEDED 504, ...), the code named after the gRPC code; messages are the ones our services
 * wrote for the caller; a bug is "internal error" without details.
 */
public record ApiError(HttpStatus status, String code, String message) {

    @Schema(description = "Every error: a stable code, a message saying what is wrong, the request id (also in X-Request-Id) and"
            + " the trace id that the request's spans and every service's log lines about it carry")
    record Body(Detail error) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Detail(String code, String message, @JsonProperty("request_id") String requestId, @JsonProperty("trace_id") String traceId) {
    }

    /** @param traceId the request's trace id ({@link TraceIds}); null leaves it out */
    Body body(String requestId, String traceId) {
        return new Body(new Detail(code, message, requestId, traceId));
    }

    /** How the API answers {@code failure}. */
    public static ApiError of(Throwable failure) {
        return switch (failure) {
            case ServiceException e -> of(e.reason(), e.getMessage());
            case OspreyException e -> of(ErrorReason.of(e.reason()), e.getMessage());
            case DataBufferLimitException e -> tooLarge();
            // Spring raises ServerWebInputException or ContentTooLargeException, depending on where the codec stopped.
            case ResponseStatusException e when e.getMostSpecificCause() instanceof DataBufferLimitException -> tooLarge();
            case ServerWebInputException e -> new ApiError(HttpStatus.BAD_REQUEST, "invalid_argument", inputProblem(e));
            case ResponseStatusException e -> new ApiError(resolve(e.getStatusCode()), code(resolve(e.getStatusCode())),
                    e.getReason() != null ? e.getReason() : resolve(e.getStatusCode()).getReasonPhrase());
            default -> new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "internal error");
        };
    }

    private static ApiError of(ErrorReason reason, String message) {
        String said = reason == ErrorReason.DEADLINE_EXCEEDED ? "the request took longer than its deadline: " + message : message;
        return new ApiError(HttpStatus.valueOf(reason.httpStatus()), reason.code().name().toLowerCase(Locale.ROOT), said);
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

    /** What is wrong with the request's input, naming the query parameter or saying it is the body. */
    private static String inputProblem(ServerWebInputException e) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof JacksonException json) {
            return "request body: " + JsonProblems.describe(json);
        }
        RequestParam query = e.getMethodParameter() == null ? null : e.getMethodParameter().getParameterAnnotation(RequestParam.class);
        if (query != null) {
            return "query parameter " + query.name() + ": " + queryProblem(e);
        }
        return "request body: " + (e.getReason() != null ? e.getReason() : "cannot be read");
    }

    /** A value of the wrong type as e.g. "'maybe' is not a boolean"; otherwise Spring's reason. */
    private static String queryProblem(ServerWebInputException e) {
        if (e.getCause() instanceof TypeMismatchException mismatch && mismatch.getRequiredType() != null) {
            return "'" + abbreviate(String.valueOf(mismatch.getValue())) + "' is not a " + mismatch.getRequiredType().getSimpleName();
        }
        return e.getReason();
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }

    private static HttpStatus resolve(HttpStatusCode code) {
        HttpStatus status = HttpStatus.resolve(code.value());
        return status != null ? status : HttpStatus.INTERNAL_SERVER_ERROR;
    }

    private static String code(HttpStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }
}

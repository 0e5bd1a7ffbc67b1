package dev.osprey.gateway.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.gateway.rest.ApiError;
import dev.osprey.gateway.rest.ErrorShape;
import dev.osprey.gateway.rest.JsonProblems;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import tools.jackson.core.JacksonException;

/**
 * Errors of the OpenAI-compatible routes in OpenAI's shape, {@code {"error": {"message", "type", "param",
 * "code"}}}, with the status the native API gives the same failure: {@code type} invalid_request_error
 * for a client error, requests for 429, server_error for 5xx; {@code code} OpenAI's where it has one
 * (model_not_found, invalid_api_key, rate_limit_exceeded, unsupported_value), else the native API's;
 * {@code param} the parameter at fault where one is; {@code trace_id} as in the native API's errors.
 */
@Component
final class OpenAiErrors implements ErrorShape {

    /** The routes, matched as routing and the access check match them. */
    private static final List<PathPattern> ROUTES = Stream.of("/v1/chat/completions", "/v1/models", "/v1/models/{model}")
            .map(PathPatternParser.defaultInstance::parse).toList();

    record ErrorBody(Detail error) {
    }

    /** OpenAI's fields, and the request's trace id (as the native API's errors carry it) where it has a trace. */
    record Detail(String message, String type, String param, String code,
            @JsonProperty("trace_id") @JsonInclude(JsonInclude.Include.NON_NULL) String traceId) {
    }

    @Override
    public boolean covers(PathContainer path) {
        return ROUTES.stream().anyMatch(route -> route.matches(path));
    }

    @Override
    public Object body(ApiError error, Throwable failure, String requestId, String traceId) {
        return of(error, failure, traceId);
    }

    /** {@code error}, which {@code failure} caused, in OpenAI's shape; {@code traceId} null where the request has no trace. */
    static ErrorBody of(ApiError error, Throwable failure, String traceId) {
        int status = error.status().value();
        String type = status == 429 ? "requests" : error.status().is5xxServerError() ? "server_error" : "invalid_request_error";
        String code = switch (failure) {
            case CompletionProblem problem when problem.code() != null -> problem.code();
            default -> status == 401 ? "invalid_api_key" : status == 429 ? "rate_limit_exceeded" : error.code();
        };
        return new ErrorBody(new Detail(error.message(), type, param(failure), code, traceId));
    }

    private static String param(Throwable failure) {
        return switch (failure) {
            case CompletionProblem problem -> problem.param();
            case ServerWebInputException e when e.getMostSpecificCause() instanceof JacksonException json && !JsonProblems.field(json).isEmpty() ->
                    JsonProblems.field(json);
            default -> null;
        };
    }
}

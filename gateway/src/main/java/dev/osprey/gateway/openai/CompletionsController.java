package dev.osprey.gateway.openai;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.gateway.access.AccessWebFilter;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.StageClock;
import dev.osprey.gateway.flow.StageTimings;
import dev.osprey.gateway.openai.CompletionRequests.Completion;
import dev.osprey.gateway.openai.CompletionResponses.ModelJson;
import dev.osprey.gateway.openai.CompletionResponses.ModelListJson;
import dev.osprey.gateway.rest.ApiError;
import dev.osprey.gateway.rest.FirstSignal;
import dev.osprey.gateway.rest.RequestIds;
import dev.osprey.gateway.rest.TraceIds;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code POST /v1/chat/completions} and {@code GET /v1/models}: OpenAI's Chat Completions API over the
 * native flow, the same {@link RegionAsks#ask} the native routes call, for the tenant the access check
 * admitted.
 */
@RestController
class CompletionsController {

    private static final Logger log = LoggerFactory.getLogger(CompletionsController.class);
    private static final String SERVER_TIMING = "Server-Timing";

    private final RegionAsks asks;
    private final AskLimits limits;
    private final OpenAiProperties properties;
    /** The served model's {@code created}: when this gateway started serving it. */
    private final long started = Instant.now().getEpochSecond();

    CompletionsController(RegionAsks asks, AskLimits limits, OpenAiProperties properties) {
        this.asks = asks;
        this.limits = limits;
        this.properties = properties;
    }

    @Operation(summary = "OpenAI-compatible chat completion about regions of one image",
            description = "OpenAI's Chat Completions API (n = 1) with regions as an extension; with \"stream\": true the answer streams as"
                    + " chat.completion.chunk events and data: [DONE]. Errors are {error: {message, type, param, code}}. See docs/openai.md.")
    @ApiResponse(responseCode = "200", description = "The answer",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = CompletionResponses.CompletionJson.class)))
    @ApiResponse(responseCode = "400", description = "A bad parameter (param names it)",
            content = @Content(schema = @Schema(implementation = OpenAiErrors.ErrorBody.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key (Authorization: Bearer KEY)",
            content = @Content(schema = @Schema(implementation = OpenAiErrors.ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "An unknown model (code model_not_found) or image",
            content = @Content(schema = @Schema(implementation = OpenAiErrors.ErrorBody.class)))
    @ApiResponse(responseCode = "429", description = "Over the rate limit, or the model's queue is full",
            content = @Content(schema = @Schema(implementation = OpenAiErrors.ErrorBody.class)))
    @ApiResponse(responseCode = "503", description = "A backend service is unavailable",
            content = @Content(schema = @Schema(implementation = OpenAiErrors.ErrorBody.class)))
    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_EVENT_STREAM_VALUE})
    public Mono<ResponseEntity<?>> complete(@RequestBody CompletionBody body, ServerWebExchange exchange) {
        Tenant tenant = AccessWebFilter.tenant(exchange);
        Completion completion = CompletionRequests.toCompletion(body, properties.model(), limits);
        CompletionAnswer answer = new CompletionAnswer("chatcmpl-" + UUID.randomUUID().toString().replace("-", ""),
                Instant.now().getEpochSecond(), properties.model(), completion.includeUsage());
        StageClock clock = new StageClock();
        Flux<AnswerEvent> events = completion.image().resolve(limits.maxImageBytes(), properties.alphaMaskMaxPixels())
                .flatMapMany(image -> {
                    AskRequest.Builder question = completion.question().toBuilder().setImage(image.image());
                    // The alpha channel's region comes after the listed ones: <regionK+1> for K listed regions.
                    image.alphaRegion().ifPresent(question::addRegions);
                    return asks.ask(tenant, question.build(), clock);
                });
        if (!completion.stream()) {
            return events.filter(AnswerEvent::hasFinished).single().map(finished -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                    .header(SERVER_TIMING, StageTimings.of(finished.getFinished().getUsage()).serverTiming()).body(answer.whole(finished)));
        }
        // As the native API's: the headers go out with the first event and say what the gateway has measured by then.
        return FirstSignal.await(events).map(started -> ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                .header(SERVER_TIMING, clock.serverTimingSoFar())
                .body(answer.chunks(started, failure -> {
                    // The status line has gone out: the failure is the stream's last event, as OpenAI sends one.
                    ApiError error = ApiError.of(failure);
                    log.warn("request {} failed while streaming: {} {}", RequestIds.of(exchange), error.status().value(), error.message());
                    return OpenAiErrors.of(error, failure, TraceIds.of(exchange));
                }).map(chunk -> ServerSentEvent.builder().data(chunk).build())));
    }

    @Operation(summary = "The served model (OpenAI's model list)")
    @GetMapping("/v1/models")
    public ModelListJson models(ServerWebExchange exchange) {
        // As every API handler: fails unless the access check admitted the request.
        AccessWebFilter.tenant(exchange);
        return new ModelListJson("list", List.of(served()));
    }

    @Operation(summary = "One model; 404 model_not_found for any but the served one")
    @GetMapping("/v1/models/{model}")
    public ModelJson model(@PathVariable String model, ServerWebExchange exchange) {
        AccessWebFilter.tenant(exchange);
        if (!model.equals(properties.model())) {
            throw CompletionProblem.unknownModel(model, properties.model());
        }
        return served();
    }

    private ModelJson served() {
        return new ModelJson(properties.model(), "model", started, "osprey");
    }
}

package dev.osprey.gateway.rest;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.gateway.access.AccessWebFilter;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.StageClock;
import dev.osprey.gateway.flow.StageTimings;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.Comparator;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code POST /v1/chat}: ask about regions; whole answers as JSON, or streamed as Server-Sent Events. */
@RestController
class ChatController {

    private static final String SERVER_TIMING = "Server-Timing";

    private final RegionAsks asks;

    ChatController(RegionAsks asks) {
        this.asks = asks;
    }

    @Operation(summary = "Ask about regions of an uploaded image",
            description = "A task over Q regions gives Q answers (one per region, decoded together); a prompt gives one. With "
                    + "\"stream\": true or Accept: text/event-stream the answer streams as SSE: an event 'piece' {index, text, token_ids} "
                    + "per text piece and an event 'done' {index, text, output_ids, finish_reason, usage} per answer; a failure "
                    + "after the stream started is an event 'error' {error: {code, message, request_id, trace_id}}. usage.timings says"
                    + " how long each stage took; so does the Server-Timing header: every stage for a JSON answer, for a stream the"
                    + " stages done before its first event (encode, extract), the others in each 'done' event.")
    @ApiResponse(responseCode = "200", description = "The answer",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ChatResponses.ChatResponse.class)))
    @ApiResponse(responseCode = "400", description = "A bad field, region, prompt or image (the message names it)",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "404", description = "Unknown image_id: upload the image again",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "429", description = "Over the rate limit, or the model's queue is full",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "503", description = "A backend service is unavailable",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "504", description = "The request took longer than its deadline",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @PostMapping(path = "/v1/chat", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_EVENT_STREAM_VALUE})
    public Mono<ResponseEntity<?>> chat(@RequestBody ChatBody body,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept, ServerWebExchange exchange) {
        Tenant tenant = AccessWebFilter.tenant(exchange);
        StageClock clock = new StageClock();
        Flux<AnswerEvent> events = Flux.defer(() -> asks.ask(tenant, ChatRequests.toAsk(body), clock));
        if (!EventStreams.wanted(body.stream(), accept)) {
            return events.filter(AnswerEvent::hasFinished).map(ChatResponses::answer)
                    .sort(Comparator.comparingInt(ChatResponses.AnswerJson::index)).collectList()
                    .map(answers -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                            .header(SERVER_TIMING, StageTimings.slowest(answers.stream().map(answer -> answer.usage().timings()).toList())
                                    .serverTiming())
                            .body(ChatResponses.ChatResponse.of(answers)));
        }
        // Headers go out with the first event, before the answer's own stages have ended: they say what the
        // gateway has measured by then (a trailer would come after everything, but browsers do not read one).
        return EventStreams.sse(events, ChatController::event, exchange, headers -> headers.header(SERVER_TIMING, clock.serverTimingSoFar()));
    }

    private static ServerSentEvent<Object> event(AnswerEvent event) {
        return event.hasPiece()
                ? ServerSentEvent.builder().event("piece").data((Object) ChatResponses.piece(event)).build()
                : ServerSentEvent.builder().event("done").data((Object) ChatResponses.answer(event)).build();
    }
}

package dev.osprey.gateway.rest;

import dev.osprey.api.v1.DescribedMask;
import dev.osprey.gateway.access.AccessWebFilter;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.gateway.flow.SamAsks;
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

/** {@code POST /v1/segment} (a prompt's masks) and {@code POST /v1/describe-all} (every mask, described), by Segment Anything. */
@RestController
class SamController {

    private final SamAsks sam;

    SamController(SamAsks sam) {
        this.sam = sam;
    }

    @Operation(summary = "The masks Segment Anything makes of points and/or a box",
            description = "For a client to show a mask before asking about it. Without multimask: the one mask a region with this prompt"
                    + " becomes (one point or a lone box: the best-scored of SAM's three candidates; more inputs: its single-output mask)."
                    + " With multimask: the three candidates in SAM's order. The image's first call computes its SAM embedding; later"
                    + " calls only decode the prompt.")
    @ApiResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = SamResponses.SegmentJson.class)))
    @ApiResponse(responseCode = "400", description = "A bad prompt: a point outside the image, no foreground point, too many points, a"
            + " bad label or box", content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "404", description = "Unknown image_id: upload the image again",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "501", description = "The model bundle has no Segment Anything model",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @PostMapping(path = "/v1/segment", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public Mono<SamResponses.SegmentJson> segment(@RequestBody SegmentBody body, ServerWebExchange exchange) {
        Tenant tenant = AccessWebFilter.tenant(exchange);
        return Mono.defer(() -> sam.segment(tenant, SamRequests.toSegment(body))).map(SamResponses::segment);
    }

    @Operation(summary = "Segment everything and describe each mask briefly",
            description = "SAM's automatic mask generator finds the masks (at most max_masks, capped by the server); each gets the short"
                    + " description task's answer, a few masks per question and a few questions at once, so the language model decodes"
                    + " them in one batch. With \"stream\": true or Accept: text/event-stream, an SSE event 'mask' {index, count, found,"
                    + " mask, score, area, bbox, stability_score, point, crop_box, text, output_ids, finish_reason, usage} per mask as its"
                    + " description finishes; a failure after the stream started is an event 'error'. Otherwise all masks in the"
                    + " generator's order.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = SamResponses.DescribeAllJson.class)))
    @ApiResponse(responseCode = "400", description = "A bad parameter or field (the message names it)",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "404", description = "Unknown image_id: upload the image again",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "501", description = "The model bundle has no Segment Anything model",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @PostMapping(path = "/v1/describe-all", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_EVENT_STREAM_VALUE})
    public Mono<ResponseEntity<?>> describeAll(@RequestBody DescribeAllBody body,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept, ServerWebExchange exchange) {
        Tenant tenant = AccessWebFilter.tenant(exchange);
        Flux<DescribedMask> described = Flux.defer(() -> sam.describeAll(tenant, SamRequests.toDescribeAll(body)));
        if (!EventStreams.wanted(body.stream(), accept)) {
            return described.sort(Comparator.comparingInt(DescribedMask::getIndex)).collectList()
                    .map(masks -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(new SamResponses.DescribeAllJson(
                            masks.stream().map(SamResponses::described).toList(), masks.isEmpty() ? 0 : masks.getFirst().getFound())));
        }
        return EventStreams.sse(described,
                mask -> ServerSentEvent.builder().event("mask").data((Object) SamResponses.described(mask)).build(), exchange);
    }
}

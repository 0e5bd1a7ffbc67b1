package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.osprey.gateway.access.AccessWebFilter;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.model.error.OspreyException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code POST /v1/images} (raw bytes or a multipart field "image") and {@code DELETE /v1/images/{id}}. */
@RestController
class ImagesController {

    @Schema(description = "An uploaded image: its id (the SHA-256 of its bytes), its size after EXIF orientation, whether its"
            + " prompt prefix is being computed in the background (warming), so that its first question starts sooner, and whether"
            + " its Segment Anything embedding is (preparing_segmentation, when asked for), so that its first click is quick")
    record ImageJson(@JsonProperty("image_id") String imageId, int width, int height, boolean warming,
            @JsonProperty("preparing_segmentation") boolean preparingSegmentation) {
    }

    record DeletedJson(boolean deleted) {
    }

    /** The query parameter of gRPC's {@code UploadImageRequest.prepare_segmentation}. */
    private static final String PREPARE = "prepare_segmentation";
    private static final String PREPARE_DOC = "Also start the image's Segment Anything embedding in the background (an image encoder run),"
            + " so that its first points or box prompt only decodes the prompt";

    private final RegionAsks asks;
    private final int maxBytes;

    /** @param limits {@code maxImageBytes} bounds an upload: a larger body gets 413 */
    ImagesController(RegionAsks asks, AskLimits limits) {
        this.asks = asks;
        this.maxBytes = Math.toIntExact(limits.maxImageBytes());
    }

    @Operation(summary = "Upload an image (JPEG or PNG) as the raw body", description = "The same bytes always give the same id; "
            + "the image is decoded and encoded now, so that questions about it start at once. With prepare_segmentation=true its "
            + "Segment Anything embedding is also started in the background, so that its first click only decodes the prompt.")
    @ApiResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ImageJson.class)))
    @ApiResponse(responseCode = "400", description = "Not a readable image, or more than 50 megapixels",
            content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @ApiResponse(responseCode = "413", description = "Body too large", content = @Content(schema = @Schema(implementation = ApiError.Body.class)))
    @PostMapping(path = "/v1/images", consumes = {"image/*", "application/octet-stream"})
    public Mono<ImageJson> upload(@RequestBody Flux<DataBuffer> body,
            @RequestParam(name = PREPARE, defaultValue = "false") @Parameter(description = PREPARE_DOC) boolean prepareSegmentation,
            ServerWebExchange exchange) {
        return store(AccessWebFilter.tenant(exchange), body, prepareSegmentation);
    }

    @Operation(summary = "Upload an image as the multipart field 'image'")
    @PostMapping(path = "/v1/images", consumes = "multipart/form-data")
    public Mono<ImageJson> uploadPart(@RequestPart("image") Mono<FilePart> image,
            @RequestParam(name = PREPARE, defaultValue = "false") @Parameter(description = PREPARE_DOC) boolean prepareSegmentation,
            ServerWebExchange exchange) {
        Tenant tenant = AccessWebFilter.tenant(exchange);
        return image.switchIfEmpty(Mono.error(OspreyException.badInput("multipart field 'image' is missing")))
                .flatMap(part -> store(tenant, part.content(), prepareSegmentation));
    }

    @Operation(summary = "Forget an image: its bytes and features")
    @DeleteMapping("/v1/images/{imageId}")
    public Mono<DeletedJson> delete(@PathVariable String imageId, ServerWebExchange exchange) {
        return asks.delete(AccessWebFilter.tenant(exchange), imageId)
                .flatMap(deleted -> deleted ? Mono.just(new DeletedJson(true)) : Mono.error(RegionAsks.notKnown(imageId)));
    }

    private Mono<ImageJson> store(Tenant tenant, Flux<DataBuffer> content, boolean prepareSegmentation) {
        return readAtMost(content, maxBytes).flatMap(bytes -> asks.upload(tenant, bytes, prepareSegmentation))
                .map(uploaded -> new ImageJson(uploaded.getImageId(), uploaded.getWidth(), uploaded.getHeight(), uploaded.getWarming(),
                        uploaded.getPreparingSegmentation()));
    }

    /**
     * The body's bytes, or 413 when there are more than {@code limit}. The rest of a body that is too
     * large is still read (and dropped): a connection closed on unread data is reset, and the client
     * would see that instead of our 413.
     */
    static Mono<ByteString> readAtMost(Flux<DataBuffer> content, int limit) {
        return content.collect(() -> new Body(limit), Body::add).flatMap(Body::bytes);
    }

    private static final class Body {
        private final int limit;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private long size;

        Body(int limit) {
            this.limit = limit;
        }

        void add(DataBuffer buffer) {
            try {
                size += buffer.readableByteCount();
                if (size <= limit) {
                    byte[] chunk = new byte[buffer.readableByteCount()];
                    buffer.read(chunk);
                    bytes.writeBytes(chunk);
                }
            } finally {
                DataBufferUtils.release(buffer);
            }
        }

        Mono<ByteString> bytes() {
            if (size > limit) {
                return Mono.error(new ResponseStatusException(HttpStatus.PAYLOAD_TOO_LARGE,
                        "the image is " + size + " bytes, the limit is " + limit + " (osprey.gateway.max-image-size)"));
            }
            return Mono.just(UnsafeByteOperations.unsafeWrap(bytes.toByteArray()));
        }
    }
}

package dev.osprey.gateway.openai;

import static dev.osprey.model.mask.CocoRle.encode;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.model.image.PngAlpha;
import dev.osprey.model.mask.BinaryMask;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The one image a conversation is about, as its {@code image_url} names it: a PNG or JPEG data URL
 * (sent with the question, as the native gRPC API's image bytes are), or {@code osprey://images/{id}}
 * (an upload of the same tenant). A PNG with an alpha channel that is not fully opaque also gives a
 * region, as the Describe Anything server reads one: alpha > 0 inside.
 *
 * @param url   the URL as given
 * @param param where it was given, e.g. {@code messages[0].content[1].image_url.url}
 */
record ConversationImage(String url, String param) {

    /** The scheme of a reference to an image uploaded with {@code POST /v1/images}. */
    static final String UPLOADED = "osprey://images/";

    /** The image to ask about, and the region its alpha channel gives (if it gives one). */
    record Resolved(ImageRef image, Optional<Region> alphaRegion) {
    }

    /** Checks the URL's form, so that a bad one is refused before any image work. */
    ConversationImage {
        if (url.startsWith(UPLOADED)) {
            String id = url.substring(UPLOADED.length());
            if (id.isEmpty() || id.contains("/")) {
                throw CompletionProblem.invalid(param, "expected osprey://images/{id} with an id from POST /v1/images, got '" + url + "'");
            }
        } else if (url.startsWith("data:")) {
            requirePngOrJpeg(url, param);
        } else if (url.startsWith("http://") || url.startsWith("https://")) {
            throw CompletionProblem.unsupported(param, "this server fetches no URLs: send the image as a data URL"
                    + " (data:image/png;base64,...), or upload it (POST /v1/images) and give osprey://images/{id}");
        } else {
            throw CompletionProblem.invalid(param, "expected a data URL (data:image/png;base64,... or data:image/jpeg;base64,...)"
                    + " or osprey://images/{id}");
        }
    }

    /**
     * The image, and for a PNG data URL its alpha region; decoding runs off the event loop.
     *
     * @param maxBytes           the largest image (as for uploads)
     * @param alphaMaskMaxPixels the largest PNG whose alpha channel is read
     */
    Mono<Resolved> resolve(long maxBytes, long alphaMaskMaxPixels) {
        if (url.startsWith(UPLOADED)) {
            return Mono.just(new Resolved(ImageRef.newBuilder().setImageId(url.substring(UPLOADED.length())).build(), Optional.empty()));
        }
        return Mono.fromCallable(() -> {
            byte[] bytes = decode(maxBytes);
            Optional<Region> alpha = PngAlpha.read(bytes, alphaMaskMaxPixels).filter(channel -> !channel.opaque())
                    .map(ConversationImage::region);
            ByteString image = UnsafeByteOperations.unsafeWrap(bytes);
            return new Resolved(ImageRef.newBuilder().setImageBytes(image).build(), alpha);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /** Checks that a data URL is {@code data:image/png;base64,} or {@code data:image/jpeg;base64,}. */
    private static void requirePngOrJpeg(String url, String param) {
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring("data:".length(), comma).toLowerCase(Locale.ROOT);
        if (!header.endsWith(";base64")) {
            throw CompletionProblem.invalid(param, "expected a base64 data URL, data:image/png;base64,... or data:image/jpeg;base64,...");
        }
        String type = header.substring(0, header.length() - ";base64".length());
        if (!type.equals("image/png") && !type.equals("image/jpeg") && !type.equals("image/jpg")) {
            throw CompletionProblem.unsupported(param, "the image is '" + type + "'; PNG and JPEG images are supported");
        }
    }

    private byte[] decode(long maxBytes) {
        String base64 = url.substring(url.indexOf(',') + 1);
        // Three bytes per four characters, less the padding: an image that is too large is refused before it is decoded.
        long size = base64.length() / 4 * 3L - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
        if (size > maxBytes) {
            throw CompletionProblem.invalid(param, "the image is " + size + " bytes, the limit is " + maxBytes
                    + " (osprey.gateway.max-image-size)");
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw CompletionProblem.invalid(param, "the data URL's data is not base64: " + e.getMessage());
        }
    }

    /** alpha > 0 inside, as COCO's compressed RLE (short on the wire; the extractor decodes it). */
    private static Region region(PngAlpha channel) {
        byte[] inside = new byte[channel.alpha().length];
        for (int i = 0; i < inside.length; i++) {
            inside[i] = (byte) (channel.alpha()[i] != 0 ? 1 : 0);
        }
        BinaryMask mask = new BinaryMask(channel.height(), channel.width(), inside);
        return Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(mask.height()).setWidth(mask.width())
                .setCompressed(encode(mask))).build();
    }
}

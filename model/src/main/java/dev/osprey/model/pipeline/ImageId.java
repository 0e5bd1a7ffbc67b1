package dev.osprey.model.pipeline;

import dev.osprey.model.error.OspreyException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The id of an image across the services: the lowercase hex SHA-256 of its bytes as uploaded. The
 * encoder caches features under it and the language model its prefix KV, so equal bytes share both.
 * Where images belong to tenants, the services know an image by its {@linkplain #scoped scoped} id.
 */
public final class ImageId {

    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    private ImageId() {
    }

    /** The id of the image {@code imageBytes} (64 lowercase hex digits). */
    public static String of(byte[] imageBytes) {
        return Sha256.hex(imageBytes);
    }

    /** The id of the image whose bytes remain in {@code imageBytes} (read without copying them). */
    public static String of(ByteBuffer imageBytes) {
        return Sha256.hex(imageBytes);
    }

    /**
     * The id the services know an image by inside {@code scope} (a tenant): the SHA-256 of the scope
     * and the image's id, so the same bytes in two scopes are two images and no scope can name
     * another's. The empty scope (no tenants) is the image's own id.
     *
     * @throws OspreyException BAD_INPUT for a malformed {@code imageId}
     */
    public static String scoped(String scope, String imageId) {
        require(imageId);
        if (scope.isEmpty()) {
            return imageId;
        }
        // The id has a fixed length, so scope, separator and id read back one way only.
        return Sha256.hex((scope + "\0" + imageId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns {@code imageId} if it has the form of an id.
     *
     * @throws OspreyException BAD_INPUT saying what an id looks like
     */
    public static String require(String imageId) {
        if (!ID.matcher(imageId).matches()) {
            throw OspreyException.badInput("image_id: '" + (imageId.length() > 80 ? imageId.substring(0, 77) + "..." : imageId)
                    + "' is not an id from an upload (the 64 lowercase hex digits of the image's SHA-256)");
        }
        return imageId;
    }
}

package dev.osprey.model.pipeline;

import dev.osprey.model.error.OspreyException;
import java.nio.ByteBuffer;
import java.util.regex.Pattern;

/**
 * The id of an image across the services: the lowercase hex SHA-256 of its bytes as uploaded. The
 * encoder caches features under it and the language model its prefix KV, so equal bytes share both.
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

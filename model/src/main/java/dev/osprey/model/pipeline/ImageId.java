package dev.osprey.model.pipeline;

/**
 * The id of an image across the services: the lowercase hex SHA-256 of its bytes as uploaded. The
 * encoder caches features under it and the language model its prefix KV, so equal bytes share both.
 */
public final class ImageId {

    private ImageId() {
    }

    /** The id of the image {@code imageBytes} (64 lowercase hex digits). */
    public static String of(byte[] imageBytes) {
        return Sha256.hex(imageBytes);
    }
}

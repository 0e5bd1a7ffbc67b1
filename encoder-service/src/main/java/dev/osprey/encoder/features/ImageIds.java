package dev.osprey.encoder.features;

import dev.osprey.model.error.OspreyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * An image's id: the lowercase hex SHA-256 of its uploaded bytes. The llm-service and the CLI key
 * their prefix caches by the same id, and the gateway hashes it to pick the replica that owns the image.
 */
public final class ImageIds {

    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    private ImageIds() {
    }

    /** The id of an image with these bytes. */
    public static String of(byte[] imageBytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(imageBytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    /**
     * Returns {@code imageId} if it has the form of an id.
     *
     * @throws OspreyException BAD_INPUT saying what an id looks like
     */
    public static String check(String imageId) {
        if (!ID.matcher(imageId).matches()) {
            throw OspreyException.badInput("image_id must be the 64 lowercase hex digits of the image's SHA-256 (as Encode returns it), got '"
                    + (imageId.length() > 80 ? imageId.substring(0, 80) + "…" : imageId) + "'");
        }
        return imageId;
    }
}

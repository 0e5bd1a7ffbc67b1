package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import java.util.function.Supplier;

/**
 * The entry points services and the CLI use around the codecs: decoding on behalf of a numbered
 * region (errors then start with "region N: ") and checking a mask against its image.
 *
 * <p>Typical use: {@code MaskCodec.decode(2, () -> CocoRle.decode(h, w, counts))}, then
 * {@code MaskCodec.requireSize(2, mask, image.height(), image.width())}.
 */
public final class MaskCodec {

    private MaskCodec() {
    }

    /**
     * Runs a decoder for region {@code region} (1-based, as in {@code <region1>}); a
     * {@link OspreyException} it throws comes back with the same reason and "region N: " in front.
     */
    public static BinaryMask decode(int region, Supplier<BinaryMask> decoder) {
        try {
            return decoder.get();
        } catch (OspreyException e) {
            throw new OspreyException(e.reason(), prefix(region) + e.getMessage(), e);
        }
    }

    /** Fails with {@code BAD_INPUT} unless the mask is exactly {@code width x height}. */
    public static void requireSize(int region, BinaryMask mask, int height, int width) {
        if (mask.height() != height || mask.width() != width) {
            throw OspreyException.badInput(prefix(region) + "mask is " + mask.size() + ", the image is " + width + "x" + height);
        }
    }

    /**
     * Fails with {@code BAD_INPUT} unless the mask has pixels inside: the public API's default,
     * since the model math accepts an empty mask but its tokens then say nothing about a region.
     */
    public static void requireNotEmpty(int region, BinaryMask mask) {
        if (mask.area() == 0) {
            throw OspreyException.badInput(prefix(region) + "mask is empty (no pixel inside)");
        }
    }

    private static String prefix(int region) {
        return "region " + region + ": ";
    }
}

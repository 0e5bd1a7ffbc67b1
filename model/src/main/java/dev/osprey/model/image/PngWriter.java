package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Writes 8-bit PNGs (RGB, or one grey channel) from raw samples. The samples go straight into the
 * raster, never through {@code setRGB}, so the file holds exactly the bytes given.
 */
public final class PngWriter {

    private PngWriter() {
    }

    /** An RGB image as an 8-bit RGB PNG. */
    public static byte[] rgb(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        int[] samples = new int[image.rgb().length];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = image.rgb()[i] & 0xFF;
        }
        out.getRaster().setPixels(0, 0, image.width(), image.height(), samples);
        return encode(out);
    }

    /** One byte per pixel, row-major, as an 8-bit greyscale PNG. */
    public static byte[] gray(int width, int height, byte[] samples) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        out.getRaster().setDataElements(0, 0, width, height, samples);
        return encode(out);
    }

    private static byte[] encode(BufferedImage image) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new OspreyException(Reason.INTERNAL, "no PNG writer available");
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot encode a PNG: " + e.getMessage(), e);
        }
    }
}

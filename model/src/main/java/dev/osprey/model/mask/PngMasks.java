package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.PngWriter;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * PNG mask files: a pixel is inside when any colour sample is non-zero.
 *
 * <p>Samples are read from the raster, never through {@code getRGB} (which would gamma-map grey
 * levels and premultiply alpha). Any bit depth works; alpha is ignored (as when the image path
 * drops it); a palette image is judged by its indices, index 0 outside, as
 * {@code numpy.array(PIL.Image.open(png)) > 0} sees it.
 */
public final class PngMasks {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngMasks() {
    }

    /** Whether the bytes start with the PNG signature. */
    public static boolean isPng(byte[] bytes) {
        return bytes.length >= SIGNATURE.length && Arrays.equals(bytes, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length);
    }

    /**
     * Decodes a PNG mask; fails with {@code BAD_INPUT} when the bytes are not a readable PNG or its
     * header claims a size that is not {@linkplain BinaryMask#requireValidSize valid}.
     */
    public static BinaryMask decode(byte[] png) {
        if (!isPng(png)) {
            throw OspreyException.badInput("mask is not a PNG file (no PNG signature)");
        }
        ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
        // In memory: ImageIO.read(InputStream) may cache the stream in a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(png))) {
            // seek forward only, metadata ignored: what ImageIO.read does
            reader.setInput(in, true, true);
            // The header alone: ImageIO would allocate whatever size it claims before reading a pixel.
            BinaryMask.requireValidSize(reader.getHeight(0), reader.getWidth(0));
            BufferedImage image = reader.read(0);
            return fromRaster(image.getRaster(), image.getColorModel());
        } catch (OspreyException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new OspreyException(Reason.BAD_INPUT, "mask PNG cannot be decoded: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    /** A mask as an 8-bit greyscale PNG: 255 inside, 0 outside. */
    public static byte[] encode(BinaryMask mask) {
        byte[] samples = new byte[mask.pixels().length];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (byte) (mask.pixels()[i] != 0 ? 255 : 0);
        }
        return PngWriter.gray(mask.width(), mask.height(), samples);
    }

    private static BinaryMask fromRaster(Raster raster, ColorModel colorModel) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        int bands = colorModel instanceof IndexColorModel ? 1 : colorModel.getNumColorComponents();
        BinaryMask mask = BinaryMask.empty(height, width);
        byte[] pixels = mask.pixels();
        int[] row = new int[width];
        for (int band = 0; band < bands; band++) {
            for (int y = 0; y < height; y++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, band, row);
                int base = y * width;
                for (int x = 0; x < width; x++) {
                    if (row[x] != 0) {
                        pixels[base + x] = 1;
                    }
                }
            }
        }
        return mask;
    }
}

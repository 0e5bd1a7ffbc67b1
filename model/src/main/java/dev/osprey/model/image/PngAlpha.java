package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import java.util.Optional;

/**
 * The alpha channel of a PNG that has one (grey + alpha or RGBA), upright as {@link ImageDecoder}
 * turns the image's pixels (its eXIf orientation applied), so that it lines up with the image the
 * encoder sees; 16-bit samples give their high byte, as Pillow reads them. Transparency from a tRNS
 * chunk (palette, grey or RGB images) is not an alpha channel here.
 *
 * @param width  the upright image's width
 * @param height the upright image's height
 * @param alpha  {@code width * height} samples, row-major
 */
public record PngAlpha(int width, int height, byte[] alpha) {

    private static final int ALPHA_MAX = 255;

    /**
     * The alpha channel of {@code bytes}; empty when they are not a PNG or it has no alpha channel.
     *
     * @throws OspreyException BAD_INPUT when the PNG is unreadable or has more than {@code maxPixels} pixels
     */
    public static Optional<PngAlpha> read(byte[] bytes, long maxPixels) {
        if (!PngFile.matches(bytes)) {
            return Optional.empty();
        }
        PngFile png = PngFile.parse(bytes);
        if (png.colorType() != PngFile.GREY_ALPHA && png.colorType() != PngFile.RGBA) {
            return Optional.empty();
        }
        // Checked before decoding: ImageIO allocates every band of whatever size the header claims.
        if ((long) png.width() * png.height() > maxPixels) {
            throw OspreyException.badInput("image is " + png.width() + "x" + png.height() + ", more than the " + maxPixels
                    + " pixels an image whose alpha channel is read may have");
        }
        ImageIoRaster decoded = ImageIoRaster.read(bytes, "png", false);
        int width = decoded.raster().getWidth();
        int height = decoded.raster().getHeight();
        int bands = decoded.raster().getNumBands();
        int shift = decoded.raster().getSampleModel().getSampleSize(bands - 1) - 8;
        // Three equal channels, so that the decoder's own orientation code turns the alpha as it turns the pixels.
        byte[] triple = new byte[width * height * 3];
        int[] samples = new int[width * bands];
        int o = 0;
        for (int y = 0; y < height; y++) {
            decoded.row(y, samples);
            for (int s = bands - 1; s < samples.length; s += bands) {
                byte a = (byte) (samples[s] >> shift);
                triple[o++] = a;
                triple[o++] = a;
                triple[o++] = a;
            }
        }
        RgbImage upright = ExifOrientation.apply(new RgbImage(width, height, triple), ExifOrientation.read(png.exif()));
        byte[] alpha = new byte[upright.width() * upright.height()];
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = upright.rgb()[i * 3];
        }
        return Optional.of(new PngAlpha(upright.width(), upright.height(), alpha));
    }

    /** Whether every pixel is fully opaque: then the alpha channel says nothing about any region. */
    public boolean opaque() {
        for (byte a : alpha) {
            if ((a & 0xFF) != ALPHA_MAX) {
                return false;
            }
        }
        return true;
    }
}

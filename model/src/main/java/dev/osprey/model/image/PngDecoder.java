package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;

/**
 * PNG samples to RGB by Pillow's rules for {@code Image.open(png).convert('RGB')}, checked against
 * Pillow on one fixture per mode (see {@code src/test/resources/image}):
 * <ul>
 *   <li>grey (mode L): replicated; 1, 2 and 4-bit samples scaled by {@code 255 / (2^bits - 1)};
 *   <li>16-bit grey: {@code min(v, 255)}. Pillow 12 opens it as mode I;16 and converts to RGB with
 *       255 where the high byte is set, else the low byte; Pillow 9 opened it as mode I and clipped
 *       to 0..255; the same values. Not {@code v >> 8}: a 16-bit grey photo comes out mostly white;
 *   <li>16-bit RGB, RGBA and grey + alpha: the high byte, {@code v >> 8} (Pillow unpacks them so);
 *   <li>alpha, from an alpha channel or tRNS, dropped without compositing;
 *   <li>palette: through the PLTE; an index past its end gives black (Pillow 12's palette is
 *       zero-filled there; Pillow 9 filled a grey ramp);
 *   <li>gAMA, iCCP, sRGB and cHRM ignored (ImageIO reports raw samples, and so does Pillow).
 * </ul>
 */
final class PngDecoder {

    private PngDecoder() {
    }

    static RgbImage decode(byte[] bytes, PngFile png) {
        ImageIoRaster decoded = ImageIoRaster.read(bytes, "png", false);
        int width = decoded.raster().getWidth();
        int height = decoded.raster().getHeight();
        if (width != png.width() || height != png.height()) {
            throw OspreyException.badInput("PNG decoded to " + width + "x" + height + ", its header says " + png.width() + "x" + png.height());
        }
        // ImageIO may add an alpha band (tRNS) and may widen 1/2/4-bit samples to 8 bits: trust the raster's own layout.
        int bands = decoded.raster().getNumBands();
        int bits = decoded.raster().getSampleModel().getSampleSize(0);
        boolean colour = png.colorType() == PngFile.RGB || png.colorType() == PngFile.RGBA;
        byte[] rgb = new byte[width * height * 3];
        int[] samples = new int[width * bands];
        int o = 0;
        for (int y = 0; y < height; y++) {
            decoded.row(y, samples);
            for (int x = 0, s = 0; x < width; x++, s += bands) {
                if (png.colorType() == PngFile.PALETTE) {
                    o = putPaletteEntry(png.palette(), samples[s], rgb, o);
                } else if (colour) {
                    rgb[o++] = toByte(samples[s], bits, false);
                    rgb[o++] = toByte(samples[s + 1], bits, false);
                    rgb[o++] = toByte(samples[s + 2], bits, false);
                } else {
                    byte grey = toByte(samples[s], bits, png.colorType() == PngFile.GREY);
                    rgb[o++] = grey;
                    rgb[o++] = grey;
                    rgb[o++] = grey;
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** One sample as 8 bits; {@code clip16} selects 16-bit grey's clipping over the high byte. */
    private static byte toByte(int sample, int bits, boolean clip16) {
        return (byte) switch (bits) {
            case 8 -> sample;
            case 16 -> clip16 ? Math.min(sample, 255) : sample >> 8;
            default -> sample * 255 / ((1 << bits) - 1);
        };
    }

    private static int putPaletteEntry(byte[] palette, int index, byte[] rgb, int o) {
        int p = index * 3;
        if (p + 3 <= palette.length) {
            rgb[o] = palette[p];
            rgb[o + 1] = palette[p + 1];
            rgb[o + 2] = palette[p + 2];
        }
        return o + 3;
    }
}

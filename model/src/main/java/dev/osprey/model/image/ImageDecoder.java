package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Decodes PNG and JPEG bytes to 8-bit RGB with the values Pillow's
 * {@code Image.open(f).convert('RGB')} gives the reference (rules in {@code PngDecoder} and
 * {@code JpegDecoder}), then turns the image upright by its Exif orientation, as Pillow's
 * {@code ImageOps.exif_transpose} would. The reference itself never applies Exif orientation: this is
 * our decision (DESIGN "Image decoding") so that a phone photo is seen, and its masks are drawn, the
 * way the user sees it; the width and height returned, and masks are checked against, are after
 * rotation. For untagged images the two agree.
 *
 * <p>The size is read from the header and checked against a pixel limit and an aspect-ratio limit
 * before any pixel is decoded, so a small file that claims a huge image is refused without allocating
 * it; so is a JPEG with more scans than its size warrants, whose decoding would take minutes. The
 * aspect ratio matters because preprocessing scales the <em>short</em> side to the model's size
 * (see {@link ImagePreprocessor}): a 200000x250 image, 50 megapixels, would become 409600x512. Every failure (not an
 * image, truncated, corrupt, unsupported, too large) is an {@link OspreyException} with reason
 * {@code BAD_INPUT} and a message naming the problem. Thread-safe; decoders hold no state but the limit.
 *
 * <pre>{@code
 * RgbImage image = new ImageDecoder().decode(Files.readAllBytes(path));
 * }</pre>
 */
public final class ImageDecoder {

    /** The default pixel limit: 50 megapixels (an 8660x5773 photo); Pillow warns at 89 and refuses at 179. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    /**
     * Scans a JPEG may have, counted in full-size images: libjpeg decodes every scan of a
     * progressive JPEG over the whole image, so an image at the pixel limit may have 20 scans (twice
     * the 10 of libjpeg's standard progressive script) and a smaller one proportionally more.
     */
    private static final int SCAN_BUDGET = 20;

    /** Scans a JPEG may have whatever its size: each costs a pass over the coefficients even when tiny. */
    private static final int MAX_SCANS = 1000;

    /**
     * The default limit on the long side over the short side: 20:1 keeps every camera panorama
     * (rarely past 10:1) and bounds what preprocessing allocates (see {@link ImagePreprocessor}).
     */
    public static final int DEFAULT_MAX_ASPECT_RATIO = 20;

    /** The largest limit there can be: an {@link RgbImage} is one Java array of 3 bytes per pixel. */
    public static final long MAX_SUPPORTED_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    private final long maxPixels;
    private final int maxAspectRatio;

    /** A decoder with the {@link #DEFAULT_MAX_PIXELS default pixel limit} and {@link #DEFAULT_MAX_ASPECT_RATIO aspect-ratio limit}. */
    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** A decoder that refuses images of more than {@code maxPixels} pixels (width x height), or past the default aspect ratio. */
    public ImageDecoder(long maxPixels) {
        this(maxPixels, DEFAULT_MAX_ASPECT_RATIO);
    }

    /**
     * A decoder that refuses images of more than {@code maxPixels} pixels (width x height), or whose
     * long side is more than {@code maxAspectRatio} times the short one.
     */
    public ImageDecoder(long maxPixels, int maxAspectRatio) {
        if (maxPixels < 1 || maxPixels > MAX_SUPPORTED_PIXELS) {
            throw new IllegalArgumentException("maxPixels must be between 1 and " + MAX_SUPPORTED_PIXELS + ", got " + maxPixels);
        }
        if (maxAspectRatio < 1) {
            throw new IllegalArgumentException("maxAspectRatio must be at least 1, got " + maxAspectRatio);
        }
        this.maxPixels = maxPixels;
        this.maxAspectRatio = maxAspectRatio;
    }

    /** The pixel limit. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Decodes a PNG or JPEG file's bytes to upright RGB.
     *
     * @throws OspreyException (BAD_INPUT) for anything that is not a decodable PNG or JPEG within the limits
     */
    public RgbImage decode(byte[] bytes) {
        if (PngFile.matches(bytes)) {
            PngFile png = PngFile.parse(bytes);
            checkSize(png.width(), png.height());
            return ExifOrientation.apply(PngDecoder.decode(bytes, png), ExifOrientation.read(png.exif()));
        }
        if (JpegFile.matches(bytes)) {
            JpegFile jpeg = JpegFile.parse(bytes);
            checkSize(jpeg.width(), jpeg.height());
            checkScans(jpeg);
            return ExifOrientation.apply(JpegDecoder.decode(bytes, jpeg), ExifOrientation.read(jpeg.exif()));
        }
        throw OspreyException.badInput(bytes.length == 0 ? "the image is empty (0 bytes)" : "not a PNG or JPEG image");
    }

    private void checkSize(int width, int height) {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw OspreyException.badInput("image is " + width + "x" + height + " = " + megapixels(pixels, RoundingMode.CEILING)
                    + " megapixels, the limit is " + megapixels(maxPixels, RoundingMode.FLOOR));
        }
        int longSide = Math.max(width, height);
        int shortSide = Math.min(width, height);
        if (longSide > (long) shortSide * maxAspectRatio) {
            throw OspreyException.badInput("image is " + width + "x" + height + ", an aspect ratio of "
                    + ratio(longSide, shortSide) + ":1; the limit is " + maxAspectRatio + ":1 (crop the image)");
        }
    }

    /**
     * Refuses a JPEG whose scans would cost more than {@link #SCAN_BUDGET} passes over an image at
     * the pixel limit, or more than {@link #MAX_SCANS}: an empty scan is 14 bytes, and 1000 of them
     * kept a 1-megapixel image decoding for 5 s (3000 on 4 megapixels, 61 s).
     */
    private void checkScans(JpegFile jpeg) {
        long allowed = Math.min(MAX_SCANS, SCAN_BUDGET * maxPixels / ((long) jpeg.width() * jpeg.height()));
        if (jpeg.scans() > allowed) {
            throw OspreyException.badInput("JPEG has " + jpeg.scans() + " scans, at most " + allowed + " are allowed for a "
                    + jpeg.width() + "x" + jpeg.height() + " image (a progressive JPEG usually has 10): save it again");
        }
    }

    /** "800", "20.1": one decimal at most, rounded up so that a ratio past the limit never looks equal to it. */
    private static String ratio(int longSide, int shortSide) {
        return BigDecimal.valueOf(longSide).divide(BigDecimal.valueOf(shortSide), 1, RoundingMode.CEILING).stripTrailingZeros()
                .toPlainString();
    }

    /** "108", "50.1": one decimal at most, rounded away from the limit so that the two never look equal. */
    private static String megapixels(long pixels, RoundingMode rounding) {
        return BigDecimal.valueOf(pixels).movePointLeft(6).setScale(1, rounding).stripTrailingZeros().toPlainString();
    }
}

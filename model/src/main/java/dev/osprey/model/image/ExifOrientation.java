package dev.osprey.model.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Exif orientation tag (0x0112 in IFD0) and the transposition that undoes it, as Pillow's
 * {@code ImageOps.exif_transpose} applies it: 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom,
 * 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise; 5 to 8 swap
 * width and height. A missing, malformed or out-of-range tag means 1 (no change): the pixels can
 * still be decoded, so a broken Exif block is not worth rejecting the image for.
 */
final class ExifOrientation {

    private static final int ORIENTATION_TAG = 0x0112;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_LONG = 4;

    private ExifOrientation() {
    }

    /** The orientation (1 to 8) in a TIFF structure (an Exif block), 1 when {@code tiff} is null. */
    static int read(byte[] tiff) {
        if (tiff == null || tiff.length < 8) {
            return 1;
        }
        ByteBuffer in = ByteBuffer.wrap(tiff);
        if (tiff[0] == 'I' && tiff[1] == 'I') {
            in.order(ByteOrder.LITTLE_ENDIAN);
        } else if (tiff[0] != 'M' || tiff[1] != 'M') {
            return 1;
        }
        long ifd = Integer.toUnsignedLong(in.getInt(4));
        if (in.getShort(2) != 42 || ifd > tiff.length - 2) {
            return 1;
        }
        int entries = in.getShort((int) ifd) & 0xFFFF;
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            if (entry + 12 > tiff.length) {
                return 1;
            }
            if ((in.getShort(entry) & 0xFFFF) == ORIENTATION_TAG) {
                int type = in.getShort(entry + 2);
                long value = in.getInt(entry + 4) != 1 ? 1
                        : type == TYPE_SHORT ? in.getShort(entry + 8) & 0xFFFF
                        : type == TYPE_LONG ? Integer.toUnsignedLong(in.getInt(entry + 8)) : 1;
                return value >= 1 && value <= 8 ? (int) value : 1;
            }
        }
        return 1;
    }

    /** {@code image} turned upright for {@code orientation} (1 returns it unchanged). */
    static RgbImage apply(RgbImage image, int orientation) {
        if (orientation == 1) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= 5;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] src = image.rgb();
        byte[] dst = new byte[src.length];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                // (sx, sy): the source pixel that lands at output (x, y).
                int sx = switch (orientation) {
                    case 2, 3 -> w - 1 - x;
                    case 4 -> x;
                    case 5, 6 -> y;
                    default -> w - 1 - y;  // 7, 8
                };
                int sy = switch (orientation) {
                    case 2 -> y;
                    case 3, 4 -> h - 1 - y;
                    case 5, 8 -> x;
                    default -> h - 1 - x;  // 6, 7
                };
                int s = (sy * w + sx) * 3;
                dst[o++] = src[s];
                dst[o++] = src[s + 1];
                dst[o++] = src[s + 2];
            }
        }
        return new RgbImage(outW, outH, dst);
    }
}

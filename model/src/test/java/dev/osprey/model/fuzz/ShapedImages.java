package dev.osprey.model.fuzz;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;

/**
 * Valid images of any shape, made on the fly: PNGs written row by row (so a 50-megapixel one costs
 * its compressed size, ~50 KB, not its pixels) and baseline JPEGs from ImageIO, and either with a
 * header that claims another size.
 */
final class ShapedImages {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ShapedImages() {
    }

    /** An 8-bit PNG, grey or RGB, whose rows are random bytes ({@code random} given) or all zero. */
    static byte[] png(int width, int height, boolean rgb, Random random) {
        int channels = rgb ? 3 : 1;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (OutputStream rows = new DeflaterOutputStream(idat)) {
            byte[] row = new byte[1 + width * channels];
            for (int y = 0; y < height; y++) {
                if (random != null) {
                    random.nextBytes(row);
                    row[0] = 0;
                }
                rows.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(PNG_SIGNATURE);
        png.writeBytes(PngChunks.chunk("IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8)
                .put((byte) (rgb ? 2 : 0)).array()));
        png.writeBytes(PngChunks.chunk("IDAT", idat.toByteArray()));
        png.writeBytes(PngChunks.chunk("IEND", new byte[0]));
        return png.toByteArray();
    }

    /** {@code png} with its header (IHDR, the first chunk) claiming {@code width x height}, CRC fixed; the data stays. */
    static byte[] pngClaimingSize(byte[] png, int width, int height) {
        byte[] patched = png.clone();
        ByteBuffer bytes = ByteBuffer.wrap(patched).putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(patched, 12, 17);
        bytes.putInt(29, (int) crc.getValue());
        return patched;
    }

    /** A baseline RGB JPEG of random pixels. */
    static byte[] jpeg(int width, int height, Random random) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "jpg", out)) {
                throw new IllegalStateException("no JPEG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code jpeg} with its baseline frame header (SOF0) claiming {@code width x height}; the scan stays as it was. */
    static byte[] jpegClaimingSize(byte[] jpeg, int width, int height) {
        byte[] patched = jpeg.clone();
        for (int i = 2; i + 9 < patched.length; i++) {
            if ((patched[i] & 0xFF) == 0xFF && (patched[i + 1] & 0xFF) == 0xC0) {
                ByteBuffer.wrap(patched).putShort(i + 5, (short) height).putShort(i + 7, (short) width);
                return patched;
            }
        }
        throw new IllegalArgumentException("no baseline frame header");
    }
}

package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * What the PNG chunk stream says before any pixel is decoded: the IHDR fields, the palette and the
 * Exif block. Chunk types must be four letters or digits, chunk lengths are checked against the file
 * (a truncated file is named as such) and every chunk's CRC except IDAT's, as Pillow does (it
 * rejects a bad type or CRC as a broken PNG file).
 *
 * @param width     pixels per row (IHDR)
 * @param height    rows (IHDR)
 * @param bitDepth  bits per sample: 1, 2, 4, 8 or 16
 * @param colorType 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA
 * @param palette   PLTE as {@code R, G, B} triples, empty when absent
 * @param exif      the eXIf chunk (a TIFF structure), or null
 */
record PngFile(int width, int height, int bitDepth, int colorType, byte[] palette, byte[] exif) {

    static final int GREY = 0;
    static final int RGB = 2;
    static final int PALETTE = 3;
    static final int GREY_ALPHA = 4;
    static final int RGBA = 6;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** Whether {@code bytes} start with the PNG signature. */
    static boolean matches(byte[] bytes) {
        return bytes.length >= SIGNATURE.length && Arrays.equals(bytes, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length);
    }

    /** Reads the chunk stream of a file that {@link #matches} the signature. */
    static PngFile parse(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(SIGNATURE.length);
        int[] header = null;
        byte[] palette = new byte[0];
        byte[] exif = null;
        boolean sawData = false;
        while (in.remaining() > 0) {
            if (in.remaining() < 12) {
                throw truncated("a chunk header needs 12 bytes, " + in.remaining() + " left");
            }
            long length = Integer.toUnsignedLong(in.getInt());
            String type = new String(bytes, in.position(), 4, StandardCharsets.ISO_8859_1);
            if (!type.matches("\\w{4}")) {
                // Pillow's test too ("broken PNG file (chunk ...)"); the bytes are shown in hex, not as text.
                throw OspreyException.badInput("broken PNG file: the chunk at byte " + (in.position() - 4) + " has no valid type (0x"
                        + HexFormat.of().formatHex(bytes, in.position(), in.position() + 4) + ")");
            }
            int data = in.position() + 4;
            if (length > in.remaining() - 8) {
                throw truncated("chunk " + type + " needs " + length + " bytes, " + (in.remaining() - 8) + " left");
            }
            int end = data + (int) length;
            if (!type.equals("IDAT")) {
                checkCrc(in, data - 4, end, type);
            }
            if (header == null && !type.equals("IHDR")) {
                throw OspreyException.badInput("PNG does not start with an IHDR chunk (found " + type + ")");
            }
            switch (type) {
                case "IHDR" -> header = parseHeader(in.slice(data, (int) length));
                case "PLTE" -> palette = Arrays.copyOfRange(bytes, data, end);
                case "eXIf" -> exif = exif == null ? Arrays.copyOfRange(bytes, data, end) : exif;
                case "IDAT" -> sawData = true;
                default -> {
                    // Other chunks (gAMA, iCCP, sRGB, tRNS, text...) do not change the RGB values.
                }
            }
            in.position(end + 4);
            if (type.equals("IEND")) {
                break;
            }
        }
        if (header == null || !sawData) {
            throw truncated("no " + (header == null ? "IHDR" : "IDAT") + " chunk");
        }
        return new PngFile(header[0], header[1], header[2], header[3], palette, exif);
    }

    private static int[] parseHeader(ByteBuffer ihdr) {
        if (ihdr.remaining() != 13) {
            throw OspreyException.badInput("PNG IHDR chunk has " + ihdr.remaining() + " bytes, expected 13");
        }
        int width = ihdr.getInt(0);
        int height = ihdr.getInt(4);
        int bitDepth = ihdr.get(8);
        int colorType = ihdr.get(9);
        if (width <= 0 || height <= 0) {
            throw OspreyException.badInput("PNG header gives an invalid size " + Integer.toUnsignedString(width) + "x"
                    + Integer.toUnsignedString(height));
        }
        boolean valid = switch (colorType) {
            case GREY -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
            case PALETTE -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
            case RGB, GREY_ALPHA, RGBA -> bitDepth == 8 || bitDepth == 16;
            default -> false;
        };
        if (!valid) {
            throw OspreyException.badInput("PNG colour type " + colorType + " with bit depth " + bitDepth + " is not valid");
        }
        return new int[] {width, height, bitDepth, colorType};
    }

    /** The CRC covers the chunk type and data; it follows the data. */
    private static void checkCrc(ByteBuffer in, int from, int to, String type) {
        CRC32 crc = new CRC32();
        crc.update(in.slice(from, to - from));
        if ((int) crc.getValue() != in.getInt(to)) {
            throw OspreyException.badInput("broken PNG file: chunk " + type + " fails its CRC check");
        }
    }

    private static OspreyException truncated(String detail) {
        return OspreyException.badInput("PNG image is truncated or corrupt: " + detail);
    }
}

package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exif orientation in JPEG: an APP1 segment written here (big-endian TIFF) into a JPEG without one;
 * the result must equal Pillow's {@code exif_transpose} of the same file. (PNG eXIf and a
 * Pillow-written little-endian JPEG Exif block are among the decoding fixtures.)
 */
class ExifOrientationTest {

    private static final int BASE_WIDTH = 5;
    private static final int BASE_HEIGHT = 3;

    private final ImageDecoder decoder = new ImageDecoder();

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void jpegIsTurnedUprightAsPillowsExifTransposeDoes(int orientation) {
        RgbImage image = decoder.decode(withApp1(Fixtures.resource("jpeg_exif_base.jpg"), exif(orientation, 3)));
        boolean swapped = orientation >= 5;
        assertThat(image.width()).isEqualTo(swapped ? BASE_HEIGHT : BASE_WIDTH);
        assertThat(image.height()).isEqualTo(swapped ? BASE_WIDTH : BASE_HEIGHT);
        assertThat(image.rgb()).isEqualTo(Fixtures.expectedRgb("jpeg_exif_base_orientation" + orientation));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 9, 0xFFFF})
    void anOutOfRangeOrientationLeavesTheImageAsStored(int orientation) {
        RgbImage image = decoder.decode(withApp1(Fixtures.resource("jpeg_exif_base.jpg"), exif(orientation, 3)));
        assertThat(image.rgb()).isEqualTo(Fixtures.expectedRgb("jpeg_exif_base"));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4})
    void orientationMayBeAShortOrALong(int tiffType) {
        RgbImage image = decoder.decode(withApp1(Fixtures.resource("jpeg_exif_base.jpg"), exif(6, tiffType)));
        assertThat(image.rgb()).isEqualTo(Fixtures.expectedRgb("jpeg_exif_base_orientation6"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"XX", "MM-bad-ifd", "short"})
    void aMalformedExifBlockIsIgnoredNotFatal(String kind) {
        byte[] tiff = switch (kind) {
            case "XX" -> "XX\0*\0\0\0\b".getBytes();
            case "short" -> new byte[] {'M', 'M', 0};
            default -> ByteBuffer.allocate(12).put(new byte[] {'M', 'M', 0, 42}).putInt(0x7FFFFFF0).array();
        };
        RgbImage image = decoder.decode(withApp1(Fixtures.resource("jpeg_exif_base.jpg"), prefixed(tiff)));
        assertThat(image.rgb()).isEqualTo(Fixtures.expectedRgb("jpeg_exif_base"));
    }

    /** An Exif APP1 payload: "Exif\0\0" and a big-endian TIFF whose IFD0 holds only the orientation. */
    private static byte[] exif(int orientation, int tiffType) {
        ByteBuffer tiff = ByteBuffer.allocate(26);
        tiff.put(new byte[] {'M', 'M'}).putShort((short) 42).putInt(8);
        tiff.putShort((short) 1).putShort((short) 0x0112).putShort((short) tiffType).putInt(1);
        if (tiffType == 3) {
            tiff.putShort((short) orientation).putShort((short) 0);
        } else {
            tiff.putInt(orientation);
        }
        tiff.putInt(0);
        return prefixed(tiff.array());
    }

    private static byte[] prefixed(byte[] tiff) {
        return ByteBuffer.allocate(6 + tiff.length).put("Exif\0\0".getBytes()).put(tiff).array();
    }

    /** {@code jpeg} with an APP1 segment right after SOI. */
    static byte[] withApp1(byte[] jpeg, byte[] payload) {
        return ByteBuffer.allocate(jpeg.length + 4 + payload.length)
                .put(jpeg, 0, 2)
                .put((byte) 0xFF).put((byte) 0xE1).putShort((short) (payload.length + 2)).put(payload)
                .put(jpeg, 2, jpeg.length - 2)
                .array();
    }
}

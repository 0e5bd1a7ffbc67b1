package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Bad input is refused with BAD_INPUT and a message that names the problem. */
class ImageDecoderErrorsTest {

    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void bytesThatAreNeitherPngNorJpegAreNamedAsSuch() {
        assertBadInput(decoder, "GIF89a and then some".getBytes(StandardCharsets.US_ASCII)).hasMessage("not a PNG or JPEG image");
        assertBadInput(decoder, new byte[0]).hasMessage("the image is empty (0 bytes)");
    }

    @Test
    void aPngHeaderClaimingAHugeImageIsRefusedBeforeDecoding() {
        // Only the header: decoding would need 324 MB for 108 megapixels, so the check must come first.
        assertBadInput(decoder, pngHeaderOnly(12000, 9000)).hasMessage("image is 12000x9000 = 108 megapixels, the limit is 50");
        assertBadInput(decoder, pngHeaderOnly(100_000, 100_000)).hasMessage("image is 100000x100000 = 10000 megapixels, the limit is 50");
    }

    @Test
    void aJpegFrameClaimingAHugeImageIsRefusedBeforeDecoding() {
        byte[] jpeg = Fixtures.resource("jpeg_420.jpg");
        int sof = indexOf(jpeg, (byte) 0xFF, (byte) 0xC0);
        ByteBuffer.wrap(jpeg).putShort(sof + 5, (short) 60000).putShort(sof + 7, (short) 50000);
        assertBadInput(decoder, jpeg).hasMessage("image is 50000x60000 = 3000 megapixels, the limit is 50");
    }

    @Test
    void theLimitIsConfigurable() {
        byte[] png = Fixtures.resource("png_rgb8_adam7.png");
        assertThat(new ImageDecoder(143).decode(png).width()).isEqualTo(13);
        assertBadInput(new ImageDecoder(142), png).hasMessageStartingWith("image is 13x11 = ");
        assertThatThrownBy(() -> new ImageDecoder(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTruncatedPngIsNamedTruncated() {
        byte[] png = Fixtures.resource("png_rgb8.png");
        assertBadInput(decoder, Arrays.copyOf(png, png.length - 30)).hasMessageStartingWith("PNG image is truncated or corrupt: chunk IDAT needs");
        assertBadInput(decoder, Arrays.copyOf(png, 20)).hasMessageContaining("truncated");
    }

    @Test
    void corruptPngDataIsRefused() {
        byte[] png = Fixtures.resource("png_rgb8.png");
        byte[] badCrc = png.clone();
        badCrc[29] ^= 1;  // the IHDR CRC
        assertBadInput(decoder, badCrc).hasMessage("broken PNG file: chunk IHDR fails its CRC check");
        byte[] badData = png.clone();
        int idat = indexOf(png, (byte) 'I', (byte) 'D', (byte) 'A', (byte) 'T');
        Arrays.fill(badData, idat + 6, idat + 30, (byte) 0x55);  // keep the zlib header, ruin the deflate stream
        assertBadInput(decoder, badData).hasMessageStartingWith("cannot decode the PNG image");
        // Found by ImageInputFuzzTest: a type of any bytes was printed as text ("chunk ID\0T fails its CRC check").
        byte[] badType = png.clone();
        badType[idat + 2] = 0;
        assertBadInput(decoder, badType).hasMessage("broken PNG file: the chunk at byte " + (idat - 4) + " has no valid type (0x49440054)");
    }

    @Test
    void aTruncatedJpegIsNamedTruncated() {
        byte[] jpeg = Fixtures.resource("jpeg_420.jpg");
        assertBadInput(decoder, Arrays.copyOf(jpeg, jpeg.length * 2 / 3)).hasMessageStartingWith("JPEG image is truncated");
        assertBadInput(decoder, Arrays.copyOf(jpeg, 40)).hasMessage("JPEG is truncated: it ends inside its headers");
    }

    @Test
    void aJpegCutInsideItsScanHeaderOrBetweenScansIsNamedTruncated() {
        // Found by ImageInputFuzzTest: ImageIO only warns "Missing EOI marker" for these and pads with grey,
        // so a file cut inside its first scan header, or a progressive one cut after its first scan, decoded.
        byte[] baseline = Fixtures.resource("jpeg_420.jpg");
        int scan = indexOf(baseline, (byte) 0xFF, (byte) 0xDA);
        assertBadInput(decoder, Arrays.copyOf(baseline, scan + 13)).hasMessage("JPEG is truncated: it ends inside its headers");
        byte[] progressive = Fixtures.resource("jpeg_progressive.jpg");
        int afterFirstScan = indexOf(progressive, (byte) 0xFF, (byte) 0xDA) + 2;
        int secondScan = afterFirstScan + indexOf(Arrays.copyOfRange(progressive, afterFirstScan, progressive.length), (byte) 0xFF, (byte) 0xDA);
        assertBadInput(decoder, Arrays.copyOf(progressive, secondScan)).hasMessage("JPEG image is truncated: Truncated File - Missing EOI marker");
        assertBadInput(decoder, Arrays.copyOf(progressive, progressive.length - 2))
                .hasMessage("JPEG image is truncated: Truncated File - Missing EOI marker");
        // A complete single scan that lacks only its EOI: Pillow decodes it, and so do we.
        assertThat(decoder.decode(Arrays.copyOf(baseline, baseline.length - 2)).rgb()).containsExactly(decoder.decode(baseline).rgb());
    }

    @Test
    void aJpegCutInsideItsScanAfterAnotherWarningIsStillNamedTruncated() {
        // libjpeg reports only its first warning: after "1 extraneous bytes before marker 0xc4" for a stray
        // byte in the headers, a cut inside the scan went unreported and decoded padded with grey.
        byte[] baseline = Fixtures.resource("jpeg_420.jpg");
        int dht = indexOf(baseline, (byte) 0xFF, (byte) 0xC4);
        byte[] strayByte = new byte[baseline.length + 1];
        System.arraycopy(baseline, 0, strayByte, 0, dht);
        strayByte[dht] = 0x42;
        System.arraycopy(baseline, dht, strayByte, dht + 1, baseline.length - dht);
        assertThat(decoder.decode(strayByte).width()).isEqualTo(37);
        assertBadInput(decoder, Arrays.copyOf(strayByte, strayByte.length - 300))
                .hasMessage("JPEG image is truncated: Truncated File - Missing EOI marker");
    }

    @Test
    void aJpegWithMoreScansThanItsSizeWarrantsIsRefusedBeforeDecoding() {
        // libjpeg passes over the whole image for every scan, and an empty DC refinement scan is 14 bytes:
        // 1000 of them kept a 1-megapixel image decoding for 5 s, 3000 on 4 megapixels for 61 s.
        byte[] progressive = Fixtures.resource("jpeg_progressive.jpg");  // 37x29, 10 scans
        assertBadInput(decoder, withEmptyScans(progressive, 991))
                .hasMessage("JPEG has 1001 scans, at most 1000 are allowed for a 37x29 image (a progressive JPEG usually has 10): save it again");
        // At a pixel limit of 2000, a 1073-pixel image may have 20 * 2000 / 1073 = 37 scans.
        ImageDecoder small = new ImageDecoder(2000);
        assertThat(small.decode(withEmptyScans(progressive, 27)).width()).isEqualTo(37);
        assertBadInput(small, withEmptyScans(progressive, 28))
                .hasMessage("JPEG has 38 scans, at most 37 are allowed for a 37x29 image (a progressive JPEG usually has 10): save it again");
    }

    @Test
    void unsupportedJpegKindsAreRefusedWithWhatToDo() {
        assertBadInput(decoder, Fixtures.resource("jpeg_cmyk.jpg"))
                .hasMessage("CMYK JPEG images are not supported: convert the image to RGB (or save it as PNG)");
        byte[] arithmetic = Fixtures.resource("jpeg_420.jpg");
        arithmetic[indexOf(arithmetic, (byte) 0xFF, (byte) 0xC0) + 1] = (byte) 0xC9;
        assertBadInput(decoder, arithmetic).hasMessageContaining("SOF9").hasMessageContaining("not supported");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertBadInput(ImageDecoder decoder, byte[] bytes) {
        return assertThatThrownBy(() -> decoder.decode(bytes))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT));
    }

    /** A PNG with a valid IHDR for the given size, one tiny IDAT and IEND: nowhere near enough pixels. */
    private static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typed = ByteBuffer.allocate(4 + data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data).array();
        CRC32 crc = new CRC32();
        crc.update(typed);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typed);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** The JPEG with {@code count} DC refinement scans of all three components and no data inserted before its EOI. */
    private static byte[] withEmptyScans(byte[] jpeg, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, jpeg.length - 2);
        for (int i = 0; i < count; i++) {
            out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 0, 0x10});
        }
        out.write(jpeg, jpeg.length - 2, 2);
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte... pattern) {
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + pattern.length, pattern, 0, pattern.length)) {
                return i;
            }
        }
        throw new AssertionError("pattern not found");
    }
}

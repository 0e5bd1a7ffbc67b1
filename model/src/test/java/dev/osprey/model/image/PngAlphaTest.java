package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PngAlphaTest {

    private static final int W = 5;
    private static final int H = 3;

    @Test
    void rgbaGivesItsAlphaSamplesRowMajor() {
        PngAlpha alpha = PngAlpha.read(png(6, 8, 0), 100).orElseThrow();
        assertThat(alpha.width()).isEqualTo(W);
        assertThat(alpha.height()).isEqualTo(H);
        assertThat(alpha.alpha()).isEqualTo(expectedAlpha());
        assertThat(alpha.opaque()).isFalse();
    }

    @Test
    void sixteenBitAndGreyAlphaGiveTheHighByte() {
        assertThat(PngAlpha.read(png(6, 16, 0), 100).orElseThrow().alpha()).isEqualTo(expectedAlpha());
        assertThat(PngAlpha.read(png(4, 8, 0), 100).orElseThrow().alpha()).isEqualTo(expectedAlpha());
        assertThat(PngAlpha.read(png(4, 16, 0), 100).orElseThrow().alpha()).isEqualTo(expectedAlpha());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void theAlphaIsTurnedAsTheDecoderTurnsThePixels(int orientation) {
        // Each pixel's grey level equals its alpha: the decoded RGB shows where each alpha sample must land.
        byte[] png = png(6, 8, orientation);
        RgbImage pixels = new ImageDecoder().decode(png);
        PngAlpha alpha = PngAlpha.read(png, 100).orElseThrow();
        assertThat(alpha.width()).isEqualTo(pixels.width());
        assertThat(alpha.height()).isEqualTo(pixels.height());
        for (int i = 0; i < alpha.alpha().length; i++) {
            assertThat(alpha.alpha()[i]).as("pixel %d", i).isEqualTo(pixels.rgb()[i * 3]);
        }
    }

    @Test
    void anOpaqueAlphaChannelSaysSo() {
        byte[] png = write(6, 8, 0, (x, y) -> 200, (x, y) -> 255);
        assertThat(PngAlpha.read(png, 100).orElseThrow().opaque()).isTrue();
    }

    @Test
    void imagesWithoutAnAlphaChannelHaveNone() {
        assertThat(PngAlpha.read(write(2, 8, 0, (x, y) -> 9, null), 100)).isEmpty();
        assertThat(PngAlpha.read(Fixtures.resource("png_rgb8_trns.png"), 1000)).as("tRNS is no alpha channel").isEmpty();
        assertThat(PngAlpha.read(Fixtures.resource("jpeg_rgb.jpg"), 1000)).isEmpty();
    }

    @Test
    void moreThanTheLimitIsRefusedBeforeDecoding() {
        assertThatThrownBy(() -> PngAlpha.read(png(6, 8, 0), W * H - 1))
                .isInstanceOf(OspreyException.class).hasMessage("image is 5x3, more than the 14 pixels an image whose alpha channel is read may have");
    }

    private static byte[] expectedAlpha() {
        byte[] alpha = new byte[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                alpha[y * W + x] = (byte) alphaAt(x, y);
            }
        }
        return alpha;
    }

    private static int alphaAt(int x, int y) {
        return (x * 37 + y * 91) % 256;
    }

    /** A W x H PNG whose alpha (and grey level) at each pixel is {@link #alphaAt}, with an eXIf orientation unless 0. */
    private static byte[] png(int colorType, int depth, int orientation) {
        return write(colorType, depth, orientation, PngAlphaTest::alphaAt, PngAlphaTest::alphaAt);
    }

    private interface Sample {
        int at(int x, int y);
    }

    /** A PNG of colour type 2 (RGB), 4 (grey + alpha) or 6 (RGBA), written sample by sample; 16-bit samples repeat the 8-bit value. */
    private static byte[] write(int colorType, int depth, int orientation, Sample grey, Sample alpha) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < H; y++) {
            raw.write(0);
            for (int x = 0; x < W; x++) {
                int colours = colorType == 4 ? 1 : 3;
                for (int c = 0; c < colours; c++) {
                    sample(raw, grey.at(x, y), depth);
                }
                if (alpha != null) {
                    sample(raw, alpha.at(x, y), depth);
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(W).putInt(H).put((byte) depth).put((byte) colorType).put(new byte[3]).array());
        if (orientation != 0) {
            // A big-endian TIFF: one IFD with one entry, Orientation (0x0112), SHORT, count 1.
            chunk(png, "eXIf", ByteBuffer.allocate(26).put(new byte[] {'M', 'M', 0, 42}).putInt(8).putShort((short) 1)
                    .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0).putInt(0).array());
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw.toByteArray());
        deflater.finish();
        byte[] buffer = new byte[4096];
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        while (!deflater.finished()) {
            idat.write(buffer, 0, deflater.deflate(buffer));
        }
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void sample(ByteArrayOutputStream out, int value, int depth) {
        out.write(value);
        if (depth == 16) {
            out.write(value);
        }
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] kind = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(kind);
        crc.update(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(kind);
        png.writeBytes(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
